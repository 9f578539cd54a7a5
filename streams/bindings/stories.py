"""Faust binding of the stories agent: every enriched article onto one partition, then stories in that order.

Story assignment needs one view of all articles, and an answer that does not
depend on which worker gives it. So the `story-feed` loop (any number of workers,
over every partition of `enriched-articles`) puts a compact copy of each article
on the one partition of `story-candidates`, with its sentence vector: the encoder
runs here, once per article, in the stage that scales. The `stories` loop reads
that partition, so one worker assigns at a time, and it never embeds.

The story index lives in memory and is fed from the topic, vectors included. A
worker that does not own the partition stands by: it follows the topic and keeps
its index warm. The one that gets the partition feeds its index what the group
has committed and it has not seen (from the window's start, for a worker that
followed nothing), publishing nothing; the index answers in input order only, and
an article it has seen gets its first answer again, so it reaches the state the
last owner had and goes on with the same story ids. The CPU work runs in one
thread, in offset order, off the event loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.errors import KafkaError

from agents.stories.version import STORIES_VERSION
from schemas.models import ArticleStory, EnrichedArticle, Story, StoryCandidate, StoryEmbedding, StoryEntity, utc_now
from streams.agent import Agent, Loop
from streams.codecs import decode
from streams.delivery import Result
from streams.kafka import client_options, offsets_at, records_between
from streams.publisher import Output
from streams.settings import Settings
from streams.topics import topic_name

if TYPE_CHECKING:  # the core (numpy, natasha's lemmas, MinHash) loads when the agent registers, not on import
    from agents.stories.encoder import Encoder, EncoderInfo
    from agents.stories.model import Article, Assignment, StoryConfig, StorySummary
    from streams.app import Pipeline

log = logging.getLogger(__name__)

# One loop puts every enriched article on the single story-candidates partition, the other assigns
# stories in that one order, so every worker that replays it builds the same index.
FEED = Loop("story-feed", ("enriched_articles",))
ASSIGN = Loop("stories", ("story_candidates",))

# A candidate's arrival lags its publication: the rebuild starts this much before the window.
REBUILD_MARGIN = timedelta(hours=24)
REBUILD_ATTEMPTS = 5
FOLLOW_RETRY = 2.0  # seconds before a standby that lost the broker follows again


def candidate_of(article: EnrichedArticle, embedding: StoryEmbedding | None = None) -> StoryCandidate:
    return StoryCandidate(
        id=article.id, url=article.url, site=article.site, title=article.title, body=article.body,
        published_at=article.published_at,
        entities=[StoryEntity(type=e.type, name=e.name, salience=e.salience) for e in article.entities],
        embedding=embedding,
    )


def usable_vector(candidate: StoryCandidate, encoder: EncoderInfo | None) -> bytes | None:
    """The candidate's int8 vector if `encoder` made it, so that no two encoders' vectors meet."""
    embedding = candidate.embedding
    if embedding is None or encoder is None:
        return None
    if (embedding.encoder, embedding.encoder_version) != (encoder.name, encoder.version):
        return None
    return embedding.int8 if len(embedding.int8) == encoder.dim else None


def core_article(candidate: StoryCandidate, encoder: EncoderInfo | None) -> Article:
    from agents.stories.encoder import dequantize
    from agents.stories.model import Article, Entity

    vector = usable_vector(candidate, encoder)
    return Article(
        id=candidate.id, title=candidate.title or "", text=candidate.body, url=candidate.url,
        site=candidate.site, published_at=candidate.published_at,
        entities=tuple(Entity(e.name, e.salience) for e in candidate.entities),
        vector=dequantize(vector) if vector is not None else None,
    )


def story_config(settings: Settings) -> StoryConfig:
    from agents.stories.model import StoryConfig

    return StoryConfig(window_hours=settings.story_window / 3600, window_articles=settings.story_window_articles)


class Embedder:
    """The sentence encoder of `story-feed`, in a thread of its own so the loop keeps serving."""

    def __init__(self, encoder: Encoder) -> None:
        self.encoder = encoder
        self.info = encoder.info
        self._thread = ThreadPoolExecutor(1, thread_name_prefix="vestnik-encoder")

    def _embed(self, article: EnrichedArticle) -> StoryEmbedding:
        from agents.stories.encoder import quantize

        vector = self.encoder.encode([self.encoder.text_of(article.title, article.body)])[0]
        return StoryEmbedding(encoder=self.info.name, encoder_version=self.info.version, int8=quantize(vector))

    async def embed(self, article: EnrichedArticle) -> StoryEmbedding | None:
        """The article's vector; None if the encoder fails, so the article still reaches the stories, by words."""
        try:
            return await asyncio.get_running_loop().run_in_executor(self._thread, self._embed, article)
        except Exception:
            log.exception("story-feed: the sentence encoder failed on %s; passing it on without a vector", article.id)
            return None


class StoryState:
    """This worker's story index, fed in the partition's order, in one thread."""

    def __init__(self, settings: Settings, encoder: EncoderInfo | None) -> None:
        from agents.stories.index import StoryIndex

        self.settings = settings
        self.encoder = encoder
        self.index = StoryIndex(story_config(settings))
        self.fed_until: int | None = None  # the next offset the index has not seen, once fed from the topic
        self.partition = TopicPartition(topic_name(settings, "story_candidates"), 0)
        self._thread = ThreadPoolExecutor(1, thread_name_prefix="vestnik-stories")
        # aiokafka fetches while the assignment hook runs: inputs wait here until the index is rebuilt.
        self._rebuilt = asyncio.Event()
        self._follower: asyncio.Task[None] | None = None
        self._owner = False  # this worker assigned from the partition since its last assignment
        self._closing = False

    def _assign(self, candidate: StoryCandidate) -> tuple[Assignment, StorySummary | None]:
        assignment = self.index.assign(core_article(candidate, self.encoder))
        return assignment, self.index.story(assignment.story_id)

    async def assign(self, candidate: StoryCandidate) -> tuple[Assignment, StorySummary | None]:
        """Submitted in the order the inputs start, so the one thread assigns in offset order."""
        await self._rebuilt.wait()  # waiters resume in the order they came
        return await self._feed(candidate)

    async def _feed(self, candidate: StoryCandidate) -> tuple[Assignment, StorySummary | None]:
        return await asyncio.get_running_loop().run_in_executor(self._thread, self._assign, candidate)

    async def on_assigned(self, group: AIOKafkaConsumer, assigned: set[TopicPartition]) -> None:
        """Owner: stop following and catch up to the group's commit. Standby: follow the topic."""
        owner = self.partition in assigned
        if owner:
            self._rebuilt.clear()  # before any await: inputs fetched meanwhile wait for the catch-up
        await self.stop_following()
        if self._owner:
            # Its inputs were finished and committed at the revocation: the index has seen up to the commit.
            with contextlib.suppress(KafkaError):
                committed = await group.committed(self.partition)
                if committed is not None and (self.fed_until is None or committed > self.fed_until):
                    self.fed_until = committed
        self._owner = owner
        if owner:
            await self.catch_up(group)
        else:
            self._rebuilt.set()
            if not self._closing:
                self._follower = asyncio.create_task(self._follow(group), name="vestnik-stories-standby")

    async def stop_following(self) -> None:
        if self._follower is not None:
            self._follower.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._follower
            self._follower = None

    async def close(self) -> None:
        """At the worker's stop: no standby follows any more, even if a rebalance comes meanwhile."""
        self._closing = True
        await self.stop_following()

    async def catch_up(self, group: AIOKafkaConsumer) -> None:
        """Feed the index what the group has committed and it has not seen, without publishing."""
        self._rebuilt.clear()
        try:
            for attempt in range(1, REBUILD_ATTEMPTS + 1):
                try:
                    await self._catch_up(group)
                    return
                except Exception as exc:
                    log.warning("stories: rebuilding the story index failed (%r), attempt %d of %d",
                                exc, attempt, REBUILD_ATTEMPTS)
                    await asyncio.sleep(2.0 * attempt)
            log.error("stories: going on with a partial story index; the next assignment rebuilds it")
        finally:
            self._rebuilt.set()

    async def _catch_up(self, group: AIOKafkaConsumer) -> None:
        committed = await group.committed(self.partition)
        if committed is None or (self.fed_until is not None and self.fed_until >= committed):
            log.info("stories: the story index is up to date at offset %s", self.fed_until)
            return
        fed, vectors = await self._feed_from_topic(committed)
        log.info("stories: rebuilt the story index from %d articles (%d with their vectors) up to offset %d",
                 fed, vectors, committed)

    async def _follow(self, group: AIOKafkaConsumer) -> None:
        """Standby: feed the index every candidate as it comes, so a takeover has little to catch up."""
        log.info("stories: standby, following the topic from offset %s", self.fed_until)
        while True:
            try:
                committed = await group.committed(self.partition)
                if committed is not None and (self.fed_until is None or self.fed_until < committed):
                    await self._feed_from_topic(committed)
                    log.info("stories: standby, the story index followed the topic to offset %s", self.fed_until)
                await self._feed_from_topic(None)
            except Exception as exc:  # a standby never stops following; the owner catches up in any case
                log.warning("stories: standby lost the topic (%r); following again", exc)
                await asyncio.sleep(FOLLOW_RETRY)

    async def _feed_from_topic(self, stop: int | None) -> tuple[int, int]:
        """Feed the index from where it stopped (or the window's start) up to `stop`, or for ever if None."""
        reader = AIOKafkaConsumer(**client_options(self.settings), group_id=None, enable_auto_commit=False,
                                  max_partition_fetch_bytes=self.settings.max_message_bytes,
                                  fetch_max_bytes=self.settings.max_message_bytes)
        fed = vectors = 0
        try:
            await reader.start()
            if self.fed_until is None:
                since = datetime.now(UTC) - timedelta(seconds=self.settings.story_window) - REBUILD_MARGIN
                self.fed_until = (await offsets_at(reader, [self.partition], since))[self.partition]
            async for record in records_between(reader, self.partition, self.fed_until, stop):
                try:
                    candidate = StoryCandidate.model_validate_json(record.value or b"")
                except ValueError:
                    candidate = None  # the loop dead-lettered it when it came
                if candidate is not None:
                    await self._feed(candidate)
                    fed += 1
                    vectors += usable_vector(candidate, self.encoder) is not None
                self.fed_until = record.offset + 1
        finally:
            await reader.stop()
        return fed, vectors


def register(p: Pipeline) -> None:
    from agents.stories.encoder import encoder_named

    encoder = encoder_named(p.settings.stories_encoder, p.settings.stories_encoder_threads)
    embedder = Embedder(encoder) if encoder is not None else None
    state = StoryState(p.settings, encoder.info if encoder is not None else None)

    async def feed(key: bytes | None, value: bytes | None) -> Result:
        article = decode(EnrichedArticle, value)
        embedding = await embedder.embed(article) if embedder is not None else None
        return Result([Output("story_candidates", article.id, candidate_of(article, embedding))], outcome="queued")

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

    p.consume(FEED, feed)
    p.consume(ASSIGN, assign, on_assigned=state.on_assigned)
    p.on_stop(state.close)


AGENT = Agent("stories", register, loops=(FEED, ASSIGN), outputs=("article_stories", "stories", "story_candidates"))
