"""The one exception of the cleaner: the page is not an article it can clean."""

from __future__ import annotations


class NotAnArticle(Exception):
    """Raised with a human-readable `reason` for pages that must not become articles."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason
