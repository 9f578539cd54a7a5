"""A story's running summary, kept while any of its articles is in the window.

Most stories have one article, so a story holds no empty containers: sites are a
tuple grown on demand and entity salience a dict made at the first entity.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from agents.stories.dates import Day
from agents.stories.model import Article, StorySummary


@dataclass(slots=True)
class Story:
    story_id: str
    first_sequence: int
    title: str
    first_seen: datetime | None
    first_site: str | None
    code: int  # the index's small int for this story while it is in the window
    members: int = 0
    in_window: int = 0
    sites: tuple[str, ...] = ()
    salience: dict[str, float] | None = None
    dates: frozenset[Day] | None = None  # the dates its reports' leads name, once any does

    @classmethod
    def started_by(cls, article: Article, sequence: int, code: int) -> Story:
        """A story is named after its first article, so a replay names it the same."""
        return cls(article.id, sequence, article.title, article.published_at, article.outlet, code)

    def add(self, article: Article, dates: frozenset[Day] = frozenset()) -> None:
        self.members += 1
        if dates:
            self.dates = dates | self.dates if self.dates else dates
        self.in_window += 1
        site = article.outlet
        if site and site not in self.sites:
            self.sites += (site,)
        for entity in article.entities:
            if self.salience is None:
                self.salience = {}
            self.salience[entity.normal] = self.salience.get(entity.normal, 0.0) + entity.salience
        if article.published_at is None:
            return
        if self.first_seen is None:
            self.first_seen = article.published_at
        elif article.published_at < self.first_seen:
            # A member published before the story's first arrival is the real first report.
            self.first_seen = article.published_at
            self.first_site = site or self.first_site
            self.title = article.title

    def summary(self, top_entities: int) -> StorySummary:
        ranked = sorted((self.salience or {}).items(), key=lambda item: (-item[1], item[0]))[:top_entities]
        return StorySummary(
            story_id=self.story_id,
            title=self.title,
            first_seen=self.first_seen,
            first_site=self.first_site,
            members=self.members,
            sites=len(self.sites),
            top_entities=tuple(name for name, _ in ranked),
        )
