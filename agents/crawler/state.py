"""What the crawler remembers per canonical URL, and the decisions it drives."""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from typing import Any


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
        wait = refetch_after if not self.failures else retry_after * 2 ** min(self.failures - 1, 10)
        return now - self.last_fetch >= wait
