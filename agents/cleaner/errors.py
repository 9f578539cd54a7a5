"""The cleaner's refusals: a page that is not an article, and one that cannot be read at all."""

from __future__ import annotations


class NotAnArticle(Exception):
    """Raised with a human-readable `reason` for pages that must not become articles.

    An index page, a stub or a page in another language is an ordinary outcome of
    crawling a news site: counted, not dead-lettered.
    """

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class UnreadablePage(NotAnArticle):
    """A page that cannot be processed at all (over-size, garbage bytes, a markup bomb): a dead letter."""
