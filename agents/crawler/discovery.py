"""Discovery: article links and their dates from RSS 2.0 and Atom feeds."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import UTC, datetime

import feedparser


@dataclass(frozen=True)
class FeedEntry:
    url: str
    title: str | None
    published_at: datetime | None


class FeedError(ValueError):
    """A feed that cannot be parsed into entries."""


def parse_feed(content: bytes, base_url: str) -> list[FeedEntry]:
    parsed = feedparser.parse(content, response_headers={"content-location": base_url})
    if not parsed.entries and (parsed.bozo or not parsed.get("version")):
        cause = parsed.get("bozo_exception") or "no RSS or Atom document"
        raise FeedError(f"malformed feed at {base_url}: {cause!r}")
    entries = []
    for item in parsed.entries:
        link = item.get("link")
        if not link:
            continue
        stamp = item.get("published_parsed") or item.get("updated_parsed")
        published = datetime.fromtimestamp(calendar.timegm(stamp), UTC) if stamp else None
        entries.append(FeedEntry(url=link, title=item.get("title"), published_at=published))
    return entries
