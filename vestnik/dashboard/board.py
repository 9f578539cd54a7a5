"""What the dashboard knows, folded from topic records into structures of bounded size; no Kafka here.

Each structure has a cap. Below it, the figures are those the CLI computes from the whole topic
(`top-stories`, `dlq list`); above it the oldest entries go first, so a page left open for weeks
holds no more than a page opened today.
"""

from __future__ import annotations

import sys
from collections import Counter, OrderedDict, deque
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from schemas.models import ArticleStory, DeadLetter, Story
from vestnik.ops.dlq import failure, letter_id, origin
from vestnik.ops.top_stories import top

HOUR = 3600


@dataclass(frozen=True, slots=True)
class StoryArticle:
    """One article of a story, as its page lists it: a few fields, not the event, so that many fit."""

    id: str
    story_id: str
    url: str
    site: str
    published_at: datetime | None
    assigned_at: datetime
    duplicate_of: str | None
    title: str | None = None

    @property
    def when(self) -> datetime:
        return self.published_at or self.assigned_at


class StoryBoard:
    """The latest summary of each story, the latest articles' stories, and the latest articles' titles."""

    def __init__(self, max_stories: int = 5000, max_articles: int = 50_000) -> None:
        self.max_stories, self.max_articles = max_stories, max_articles
        self._stories: OrderedDict[str, Story] = OrderedDict()  # least recently updated first
        self._articles: OrderedDict[str, StoryArticle] = OrderedDict()  # least recently assigned first
        self._titles: OrderedDict[str, str | None] = OrderedDict()

    def add_story(self, story: Story) -> None:
        self._stories[story.story_id] = story
        self._stories.move_to_end(story.story_id)
        while len(self._stories) > self.max_stories:
            self._stories.popitem(last=False)

    def add_article(self, article: ArticleStory) -> None:
        """An article's assignment; a replayed one replaces the earlier."""
        self._articles[article.id] = StoryArticle(
            article.id, article.story_id, article.url, sys.intern(article.site), article.published_at,
            article.assigned_at, article.duplicate_of)
        self._articles.move_to_end(article.id)
        while len(self._articles) > self.max_articles:
            self._articles.popitem(last=False)

    def add_title(self, article_id: str, title: str | None) -> None:
        self._titles[article_id] = title
        self._titles.move_to_end(article_id)
        while len(self._titles) > self.max_articles:
            self._titles.popitem(last=False)

    def story(self, story_id: str) -> Story | None:
        return self._stories.get(story_id)

    def top(self, span: timedelta, limit: int, now: datetime | None = None) -> list[Story]:
        """What `vestnik top-stories --window span --limit limit` prints, by the same rule."""
        return top(list(self._stories.values()), span, limit, now)

    def articles(self, story_id: str) -> list[StoryArticle]:
        """The story's articles the board holds, in time order, each with its title when the board has seen it."""
        rows = [replace(row, title=self._titles.get(row.id))
                for row in self._articles.values() if row.story_id == story_id]
        return sorted(rows, key=lambda row: (row.when, row.id))

    def __len__(self) -> int:
        return len(self._stories)


class EntityHours:
    """Mentions per entity per hour over the last `hours`, for sparklines."""

    def __init__(self, hours: int = 24, max_entities: int = 10_000) -> None:
        self.hours, self.max_entities = hours, max_entities
        self._counts: dict[str, Counter[int]] = {}

    def add(self, entity_key: str, at: datetime) -> None:
        hour = int(at.timestamp()) // HOUR
        self._counts.setdefault(entity_key, Counter())[hour] += 1
        if len(self._counts) > self.max_entities:
            self._shed(hour)

    def series(self, entity_key: str, now: datetime) -> list[int]:
        """Counts for each of the last `hours` hours, oldest first; the last is the hour now running."""
        current = int(now.timestamp()) // HOUR
        counts = self._counts.get(entity_key, Counter())
        return [counts.get(hour, 0) for hour in range(current - self.hours + 1, current + 1)]

    def _shed(self, current: int) -> None:
        """Forget hours out of the span, then the least-mentioned tenth of the entities."""
        oldest = current - self.hours + 1
        for key in list(self._counts):
            kept = Counter({hour: n for hour, n in self._counts[key].items() if hour >= oldest})
            if kept:
                self._counts[key] = kept
            else:
                del self._counts[key]
        if len(self._counts) > self.max_entities * 9 // 10:
            ranked = sorted(self._counts, key=lambda key: sum(self._counts[key].values()))
            for key in ranked[: len(self._counts) - self.max_entities * 9 // 10]:
                del self._counts[key]

    def __len__(self) -> int:
        return len(self._counts)


@dataclass(frozen=True)
class LetterRow:
    """One dead letter as the page lists it (the columns of `vestnik dlq list`)."""

    id: str
    agent: str
    reason: str
    origin: str
    failed_at: datetime


class DeadLetterBoard:
    """Dead letters counted once per origin, as `dlq list` counts them, by reason, with the latest few."""

    def __init__(self, max_letters: int = 100_000) -> None:
        self.max_letters = max_letters
        self._letters: OrderedDict[str, LetterRow] = OrderedDict()

    def add(self, letter: DeadLetter) -> None:
        ident = letter_id(letter)
        known = self._letters.get(ident)
        if known is not None and known.failed_at > letter.failed_at:
            return
        self._letters[ident] = LetterRow(ident, letter.agent, failure(letter), origin(letter), letter.failed_at)
        self._letters.move_to_end(ident)
        while len(self._letters) > self.max_letters:
            self._letters.popitem(last=False)

    @property
    def total(self) -> int:
        return len(self._letters)

    def by_reason(self, limit: int = 10) -> list[tuple[str, int]]:
        counts = Counter(row.reason for row in self._letters.values())
        return sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:limit]

    def latest(self, limit: int = 5) -> list[LetterRow]:
        """The newest, newest first: `dlq list --limit` shows the same ones, oldest first."""
        return sorted(self._letters.values(), key=lambda row: (row.failed_at, row.id))[-limit:][::-1]


class Throughput:
    """Articles per minute from two samples of a counter (committed offsets in, end offsets out)."""

    def __init__(self, samples: int = 12) -> None:
        self._samples: dict[str, deque[tuple[float, int]]] = {}
        self.samples = samples

    def add(self, name: str, at: float, count: int) -> None:
        self._samples.setdefault(name, deque(maxlen=self.samples)).append((at, count))

    def per_minute(self, name: str) -> float | None:
        """Over the samples kept (about a minute at the default refresh); None until there are two."""
        points = self._samples.get(name)
        if not points or len(points) < 2 or points[-1][0] <= points[0][0]:
            return None
        (first_at, first), (last_at, last) = points[0], points[-1]
        return max(0, last - first) / (last_at - first_at) * 60
