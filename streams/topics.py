"""The topic registry: every topic vestnik reads or writes, its contract and its policy."""

from __future__ import annotations

from dataclasses import dataclass

from schemas.models import (
    ArticleStory,
    CleanArticle,
    CrawlRequest,
    DeadLetter,
    EnrichedArticle,
    EntityMention,
    Event,
    RawPage,
    Story,
    StoryCandidate,
    UrlCrawlState,
)
from streams.settings import Settings

DAY_MS = 24 * 3600 * 1000


@dataclass(frozen=True)
class TopicSpec:
    """One topic: its name suffix, what its key is, the event it carries, how long it keeps data."""

    suffix: str
    key: str
    model: type[Event]
    compacted: bool = False
    retention_ms: int = 7 * DAY_MS
    large_messages: bool = False
    partitions: int | None = None  # None: `topic_partitions`

    def configs(self, settings: Settings) -> dict[str, str]:
        configs = {
            "cleanup.policy": "compact" if self.compacted else "delete",
            "retention.ms": str(-1 if self.compacted else self.retention_ms),
        }
        if self.large_messages:
            configs["max.message.bytes"] = str(settings.max_message_bytes)
        return configs


TOPICS: dict[str, TopicSpec] = {
    "frontier": TopicSpec("frontier", "host", CrawlRequest, retention_ms=3 * DAY_MS),
    # Compacted by URL, each in the partition of its host's frontier requests: the fetcher of a frontier
    # partition reads the same partition of its state.
    "crawl_state": TopicSpec("crawl-state", "canonical URL", UrlCrawlState, compacted=True),
    # Raw pages are kept a month so a backfill can re-clean them with new rules.
    "raw_pages": TopicSpec("raw-pages", "article id", RawPage, retention_ms=30 * DAY_MS, large_messages=True),
    # Articles are compacted by id: a re-clean replaces the older version.
    "clean_articles": TopicSpec("clean-articles", "article id", CleanArticle, compacted=True, large_messages=True),
    "enriched_articles": TopicSpec(
        "enriched-articles", "article id", EnrichedArticle, compacted=True, large_messages=True
    ),
    "entity_mentions": TopicSpec("entity-mentions", "TYPE:canonical name", EntityMention, retention_ms=90 * DAY_MS),
    # One partition: story assignment needs one order of all articles, the same for every worker that replays it.
    "story_candidates": TopicSpec(
        "story-candidates", "article id", StoryCandidate, retention_ms=7 * DAY_MS, large_messages=True, partitions=1
    ),
    "article_stories": TopicSpec("article-stories", "article id", ArticleStory, compacted=True),
    "stories": TopicSpec("stories", "story id", Story, compacted=True),
    "dead_letters": TopicSpec(
        "dead-letters", "source topic/partition/offset", DeadLetter, retention_ms=30 * DAY_MS, large_messages=True
    ),
}


MAX_REPLICATION = 3
"""Replicas of a topic when the cluster has enough brokers (and of a local cluster's internal topics)."""


def min_insync(replication: int) -> int:
    """Replicas a write at acks=all waits for: two of three, so one broker may fail with nothing lost."""
    return 2 if replication >= MAX_REPLICATION else 1


def topic_name(settings: Settings, key: str) -> str:
    return settings.topic(TOPICS[key].suffix)


def resolve(settings: Settings, name_or_key: str) -> tuple[str, TopicSpec]:
    """Find a topic by registry key ('raw_pages'), suffix ('raw-pages') or full name."""
    for key, spec in TOPICS.items():
        full = settings.topic(spec.suffix)
        if name_or_key in (key, spec.suffix, full):
            return full, spec
    raise KeyError(f"unknown topic {name_or_key!r}; known: {', '.join(TOPICS)}")
