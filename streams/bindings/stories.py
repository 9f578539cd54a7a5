"""Faust binding of the stories agent: every enriched article onto one partition, then stories in that order.

Story assignment needs one view of all articles, and an answer that does not
depend on which worker gives it. So the `story-feed` loop (any number of workers,
over every partition of `enriched-articles`) puts a compact copy of each article
on the one partition of `story-candidates`; the `stories` loop reads that
partition, so one worker assigns at a time and the others stand by in its group.

The story index lives in memory and is rebuilt from the topic: when the partition
is assigned, the worker feeds the index every candidate from the window's start
(or from where its index stopped) up to the group's committed offset, publishing
nothing; the index answers in input order only, so it reaches the state the last
owner had and goes on with the same story ids. The CPU work runs in one thread,
in offset order, off the event loop.
"""

from __future__ import annotations

import asyncio
import logging
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.errors import KafkaError

from agents.stories import Article, Assignment, Entity, StoryConfig, StoryIndex, StorySummary
from agents.stories.version import STORIES_VERSION
from schemas.models import ArticleStory, EnrichedArticle, Story, StoryCandidate, StoryEntity, utc_now
from streams.app import Pipeline
from streams.codecs import decode
from streams.delivery import Result
from streams.kafka import client_options
from streams.publisher import Output
from streams.replay import offsets_at, records_between
from streams.settings import Settings

log = logging.getLogger(__name__)

# A candidate's arrival lags its publication: the rebuild starts this much before the window.
REBUILD_MARGIN = timedelta(hours=24)
REBUILD_ATTEMPTS = 5


def candidate_of(article: EnrichedArticle) -> StoryCandidate:
    return StoryCandidate(
        id=article.id, url=article.url, site=article.site, title=article.title, body=article.body,
        published_at=article.published_at,
        entities=[StoryEntity(type=e.type, name=e.name, salience=e.salience) for e in article.entities],
    )


def core_article(candidate: StoryCandidate) -> Article:
    return Article(
        id=candidate.id, title=candidate.title or "", text=candidate.body, url=candidate.url,
        site=candidate.site, published_at=candidate.published_at,
        entities=tuple(Entity(e.name, e.salience) for e in candidate.entities),
    )


def story_config(settings: Settings) -> StoryConfig:
    return StoryConfig(window_hours=settings.story_window / 3600, window_articles=settings.story_window_articles)


class StoryState:
    """This worker's story index, fed in the partition's order, in one thread."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.index = StoryIndex(story_config(settings))
        self.fed_until: int | None = None  # the next offset the index has not seen, once rebuilt
        self._thread = ThreadPoolExecutor(1, thread_name_prefix="vestnik-stories")
        # aiokafka fetches while the assignment hook runs: inputs wait here until the index is rebuilt.
        self._rebuilt = asyncio.Event()

    def _assign(self, candidate: StoryCandidate) -> tuple[Assignment, StorySummary | None]:
        assignment = self.index.assign(core_article(candidate))
        return assignment, self.index.story(assignment.story_id)

    async def assign(self, candidate: StoryCandidate) -> tuple[Assignment, StorySummary | None]:
        """Submitted in the order the inputs start, so the one thread assigns in offset order."""
        await self._rebuilt.wait()  # waiters resume in the order they came
        return await self._feed(candidate)

    async def _feed(self, candidate: StoryCandidate) -> tuple[Assignment, StorySummary | None]:
        return await asyncio.get_running_loop().run_in_executor(self._thread, self._assign, candidate)

    async def catch_up(self, group: AIOKafkaConsumer, assigned: set[TopicPartition]) -> None:
        """Feed the index what the group has committed and it has not seen, without publishing."""
        self._rebuilt.clear()
        try:
            for attempt in range(1, REBUILD_ATTEMPTS + 1):
                try:
                    await self._catch_up(group, assigned)
                    return
                except KafkaError as exc:
                    log.warning("stories: rebuilding the story index failed (%r), attempt %d of %d",
                                exc, attempt, REBUILD_ATTEMPTS)
                    await asyncio.sleep(2.0 * attempt)
            log.error("stories: going on with a partial story index; the next assignment rebuilds it")
        finally:
            self._rebuilt.set()

    async def _catch_up(self, group: AIOKafkaConsumer, assigned: set[TopicPartition]) -> None:
        for tp in assigned:
            committed = await group.committed(tp)
            if committed is None or (self.fed_until is not None and self.fed_until >= committed):
                continue
            reader = AIOKafkaConsumer(**client_options(self.settings), group_id=None, enable_auto_commit=False,
                                      max_partition_fetch_bytes=self.settings.max_message_bytes,
                                      fetch_max_bytes=self.settings.max_message_bytes)
            await reader.start()
            try:
                if self.fed_until is None:
                    since = datetime.now(UTC) - timedelta(seconds=self.settings.story_window) - REBUILD_MARGIN
                    start = (await offsets_at(reader, [tp], since))[tp]
                else:
                    start = self.fed_until
                fed = 0
                async for record in records_between(reader, tp, start, committed):
                    try:
                        await self._feed(StoryCandidate.model_validate_json(record.value or b""))
                    except ValueError:
                        continue  # the loop dead-lettered it when it came
                    fed += 1
            finally:
                await reader.stop()
            self.fed_until = committed
            log.info("stories: rebuilt the story index from %d articles up to offset %d", fed, committed)


def register(p: Pipeline) -> None:
    state = StoryState(p.settings)

    async def feed(key: bytes | None, value: bytes | None) -> Result:
        article = decode(EnrichedArticle, value)
        return Result([Output("story_candidates", article.id, candidate_of(article))], outcome="queued")

    async def assign(key: bytes | None, value: bytes | None) -> Result:
        candidate = decode(StoryCandidate, value)
        assignment, story = await state.assign(candidate)
        now = utc_now()
        outputs = [Output("article_stories", candidate.id, ArticleStory(
            id=candidate.id, story_id=assignment.story_id, new_story=assignment.new_story,
            story_similarity=assignment.story_similarity, duplicate_of=assignment.duplicate_of,
            duplicate_similarity=assignment.duplicate_similarity, url=candidate.url, site=candidate.site,
            published_at=candidate.published_at, stories_version=STORIES_VERSION, assigned_at=now,
        ))]
        if story is not None:
            outputs.append(Output("stories", story.story_id, Story(
                story_id=story.story_id, title=story.title or None, first_seen=story.first_seen,
                first_site=story.first_site, first_article_id=story.story_id, members=story.members,
                sites=story.sites, top_entities=list(story.top_entities), last_article_id=candidate.id,
                updated_at=now,
            )))
        return Result(outputs, outcome="duplicate" if assignment.duplicate_of else
                      "new_story" if assignment.new_story else "joined_story")

    p.consume("story-feed", feed)
    p.consume("stories", assign, on_assigned=state.catch_up)
