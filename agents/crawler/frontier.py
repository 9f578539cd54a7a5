"""A quiet frontier: discovery queues a URL again only once it may be due for a refetch.

Every poll of a feed lists the same articles; queuing them all again floods the
frontier with requests that the fetch side then drops as not due. The URLs
queued within the refetch interval are remembered in a bounded cache with
expiry, so a poll of an unchanged feed queues nothing. The marks are the
frontier's own requests: a new discovery leader reads the requests of the last
refetch interval back (`mark` with their times) before its first poll.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable

from cachetools import TLRUCache


class RecentlyQueued:
    """The URLs put on the frontier in the last `ttl` seconds, at most `max_urls` of them (oldest dropped)."""

    def __init__(self, max_urls: int, ttl: float, timer: Callable[[], float] = time.time) -> None:
        # Each URL's value is the time its mark expires.
        self._queued: TLRUCache[str, float] = TLRUCache(maxsize=max_urls, ttu=lambda _url, until, _now: until,
                                                         timer=timer)
        self._ttl, self._timer = ttl, timer

    def new(self, urls: Iterable[str]) -> list[str]:
        """The URLs not queued lately, each once; `mark` them once they are on the frontier."""
        return [url for url in dict.fromkeys(urls) if url not in self._queued]

    def mark(self, urls: Iterable[str], at: float | None = None) -> None:
        """Remember `urls` as queued at `at` (default: now); only once published, so a failed publish loses nothing."""
        until = (self._timer() if at is None else at) + self._ttl
        for url in urls:
            if until > self._queued.get(url, 0.0):
                self._queued[url] = until

    def clear(self) -> None:
        self._queued.clear()

    def __len__(self) -> int:
        return len(self._queued)
