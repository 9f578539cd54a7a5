"""The cleaner's CPU job, run in the worker's CPU processes.

It imports the core and nothing of Kafka or Faust, so those processes load only
the extractor, and the worker's own process never loads it.
"""

from __future__ import annotations

from agents.cleaner.core import Article, Page
from agents.cleaner.feed_text import clean_page_or_feed_text


def clean_page(content: bytes, url: str, charset: str | None, feed_text: str | None = None) -> Article:
    return clean_page_or_feed_text(Page(url=url, html=content, declared_charset=charset), feed_text)
