"""A quiet frontier: discovery queues a URL again only once it may be due for a refetch.

Every poll of a feed lists the same articles; queuing them all again floods the
frontier with requests that the fetch side then drops as not due. The URLs
queued within the refetch interval are remembered in a bounded cache with
expiry, so a poll of an unchanged feed queues nothing. The memory is the
discovering worker's own: after a restart or a change of leader the first poll
queues its URLs once more, and the crawl state still keeps them from being
fetched before they are due.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable

from cachetools import TTLCache


class RecentlyQueued:
    """The URLs put on the frontier in the last `ttl` seconds, at most `max_urls` of them (oldest dropped)."""

    def __init__(self, max_urls: int, ttl: float, timer: Callable[[], float] = time.monotonic) -> None:
        self._queued: TTLCache[str, bool] = TTLCache(maxsize=max_urls, ttl=ttl, timer=timer)

    def new(self, urls: Iterable[str]) -> list[str]:
        """The URLs not queued lately, each once; `mark` them once they are on the frontier."""
        return [url for url in dict.fromkeys(urls) if url not in self._queued]

    def mark(self, urls: Iterable[str]) -> None:
        """Remember `urls` as queued: only after publishing, so a failed publish loses nothing."""
        for url in urls:
            self._queued[url] = True
