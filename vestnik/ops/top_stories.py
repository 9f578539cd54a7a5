"""Reading the `stories` topic: the latest summary of each story, and the ones most outlets carry."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from schemas.models import Story
from streams.codecs import DecodeError, decode
from streams.kafka import read_topic
from streams.settings import Settings

_SPAN = re.compile(r"^(\d+(?:\.\d+)?)([smhd])$")
_UNIT = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}


def parse_span(text: str) -> timedelta:
    match = _SPAN.match(text.strip())
    if not match:
        raise ValueError(f"not a span of time: {text!r} (like 90m, 24h, 3d)")
    return timedelta(**{_UNIT[match.group(2)]: float(match.group(1))})


@dataclass
class StoriesRead:
    """The latest summary of each story, and how many records on the topic were not story events."""

    stories: list[Story]
    unreadable: int = 0


async def read_stories(settings: Settings) -> StoriesRead:
    """The latest event of every story on the compacted topic; a record that is not one is counted, not fatal."""
    latest: dict[str, Story] = {}
    unreadable = 0
    async for _, value in read_topic(settings, "stories"):
        if value is None:
            continue
        try:
            story = decode(Story, value)
        except DecodeError:
            unreadable += 1
            continue
        latest[story.story_id] = story
    return StoriesRead(list(latest.values()), unreadable)


def top(stories: list[Story], span: timedelta, limit: int, now: datetime | None = None) -> list[Story]:
    """The stories with an article in the last `span`, by distinct outlets, then articles, then recency."""
    since = (now or datetime.now(UTC)) - span
    recent = [s for s in stories if s.updated_at >= since]
    return sorted(recent, key=lambda s: (-s.sites, -s.members, -s.updated_at.timestamp()))[:limit]
