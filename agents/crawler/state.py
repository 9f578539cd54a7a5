"""What the crawler remembers per canonical URL, and the decisions it drives."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, replace
from typing import Any

MAX_BACKOFF_DOUBLINGS = 10  # a URL that keeps failing is still tried every `retry_after * 1024` seconds


def longest_wait(refetch_after: float, retry_after: float) -> float:
    """The longest a known URL waits before it is due again: how long its state must be kept at least."""
    return max(refetch_after, retry_after * 2**MAX_BACKOFF_DOUBLINGS)


@dataclass(frozen=True)
class CrawlState:
    """One URL's crawl history; stored in a Faust table backed by a changelog topic."""

    last_fetch: float = 0.0
    etag: str | None = None
    last_modified: str | None = None
    content_sha256: str | None = None
    failures: int = 0

    @classmethod
    def load(cls, data: dict[str, Any] | None) -> CrawlState:
        return cls(**data) if data else cls()

    def dump(self) -> dict[str, Any]:
        return asdict(self)

    def updated(self, **changes: Any) -> CrawlState:
        return replace(self, **changes)

    def due(self, now: float, refetch_after: float, retry_after: float) -> bool:
        """Fetch a new URL; refetch a known one after `refetch_after`; back off after failures."""
        if not self.last_fetch:
            return True
        wait = refetch_after if not self.failures else retry_after * 2 ** min(self.failures - 1, MAX_BACKOFF_DOUBLINGS)
        return now - self.last_fetch >= wait


def expired(states: Iterable[tuple[str, dict[str, Any]]], now: float, ttl: float) -> list[str]:
    """The URLs whose state was last fetched `ttl` or more seconds before `now`, to forget.

    A URL that feeds or sitemaps still list is fetched again within its longest
    wait, which renews its state; the TTL outlasts that wait (see Settings), so
    only URLs no longer listed expire, and one that comes back is fetched as new.
    """
    # The stored dicts are read as they are: a worker scans its whole table on the event loop.
    return [url for url, data in states if now - data.get("last_fetch", 0.0) >= ttl]
