"""The cleaner's CPU job, run in the worker's CPU processes.

The binding passes `clean_page` to the CPU pool by reference. This module is light
to import: the extraction stack (trafilatura, lxml) loads inside the job, so in the
CPU processes only, never in the worker's own process.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from agents.cleaner.core import Article


def clean_page(content: bytes, url: str, charset: str | None, feed_text: str | None = None) -> Article:
    from agents.cleaner.core import Page
    from agents.cleaner.feed_text import clean_page_or_feed_text

    return clean_page_or_feed_text(Page(url=url, html=content, declared_charset=charset), feed_text)
