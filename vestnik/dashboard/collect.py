"""The dashboard's reading of the cluster: topics tailed into the board, workers and offsets polled.

Tailers read with no consumer group, so the page never moves anyone's partitions or commits. Each
starts `window` back in time (the dead letters from their beginning, as `dlq list` reads them) and
follows the topic. A broker that stops answering leaves the last figures on the page under an
error banner; the tailers and polls carry on and the banner goes once it answers again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
import orjson
from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import KafkaError

from schemas.models import ArticleStory, DeadLetter, EntityType, Story
from streams.app import AGENT_NAMES, agent_named, loop_group
from streams.codecs import DecodeError, decode
from streams.kafka import client_options, topic_partitions
from streams.settings import Settings
from streams.topics import topic_name
from vestnik.dashboard.board import DeadLetterBoard, EntityHours, StoryBoard, Throughput
from vestnik.ops.lag import Position, Progress, positions, progress
from vestnik.ops.top_entities import fetch_top

log = logging.getLogger(__name__)

ENTITY_TYPES: tuple[EntityType, ...] = ("PER", "LOC", "ORG")
LAG_SAMPLES_APART = 5  # refreshes between the two lag samples a rate is taken from, as `vestnik lag --interval`


@dataclass
class AgentFlow:
    agent: str
    in_per_minute: float | None
    out_per_minute: float | None


@dataclass
class WorkerHealth:
    url: str
    status: str  # "ok", "unavailable" (the worker says so) or "unreachable"
    detail: str = ""


@dataclass
class Snapshot:
    """Everything the page shows at one moment."""

    at: datetime
    kafka_error: str | None = None
    workers_error: str | None = None
    lag: list[Progress] = field(default_factory=list)
    flows: list[AgentFlow] = field(default_factory=list)
    entity_window: float | None = None
    entities: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    health: list[WorkerHealth] = field(default_factory=list)


class Collector:
    """Keeps the board current and takes a snapshot of the polled figures every `refresh` seconds."""

    def __init__(self, settings: Settings, workers: list[str], window: timedelta, refresh: float,
                 agents: tuple[str, ...] = AGENT_NAMES) -> None:
        self.settings, self.workers, self.window, self.refresh, self.agents = settings, workers, window, refresh, agents
        self.stories = StoryBoard()
        self.hours = EntityHours(hours=24)
        self.letters = DeadLetterBoard()
        self.flow = Throughput()
        self.unreadable = 0  # records on the tailed topics that are not the events they should carry
        self.snapshot = Snapshot(at=datetime.now(UTC))
        self.version = 0  # bumped at every change the page should show
        self._lag_samples: list[list[Position]] = []
        self._tasks: list[asyncio.Task[None]] = []
        self._stopped = asyncio.Event()  # besides cancelling: a cancel met inside a client's own wait can be lost

    async def start(self) -> None:
        tails: list[tuple[str, Callable[[ConsumerRecord[bytes, bytes]], None], bool]] = [
            ("stories", self._on_story, False), ("article_stories", self._on_article, False),
            ("story_candidates", self._on_candidate, False), ("entity_mentions", self._on_mention, False),
            ("dead_letters", self._on_letter, True),
        ]
        self._tasks = [asyncio.create_task(self._tail(key, fold, from_start)) for key, fold, from_start in tails]
        self._tasks.append(asyncio.create_task(self._poll()))

    async def stop(self) -> None:
        self._stopped.set()
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    @property
    def stopped(self) -> bool:
        return self._stopped.is_set()

    async def pause(self) -> None:
        """Wait one refresh, or less if the collector stops."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopped.wait(), self.refresh)

    # --- Folding records into the board -------------------------------------------------------

    def _on_story(self, record: ConsumerRecord[bytes, bytes]) -> None:
        if record.value is not None:
            self.stories.add_story(decode(Story, record.value))

    def _on_article(self, record: ConsumerRecord[bytes, bytes]) -> None:
        if record.value is not None:
            self.stories.add_article(decode(ArticleStory, record.value))

    def _on_candidate(self, record: ConsumerRecord[bytes, bytes]) -> None:
        # Only the title: the candidate's body and vector are not validated for it.
        event = orjson.loads(record.value or b"null")
        if not isinstance(event, dict) or not isinstance(event.get("id"), str):
            raise DecodeError("story_candidate: no article id")
        title = event.get("title")
        self.stories.add_title(event["id"], title if isinstance(title, str) else None)

    def _on_mention(self, record: ConsumerRecord[bytes, bytes]) -> None:
        # The key is the entity ('TYPE:name'), the record's time its hour: no need to decode the value.
        if record.key:
            self.hours.add(record.key.decode("utf-8", "replace"), datetime.fromtimestamp(record.timestamp / 1000, UTC))

    def _on_letter(self, record: ConsumerRecord[bytes, bytes]) -> None:
        self.letters.add(decode(DeadLetter, record.value))

    async def _tail(self, key: str, fold: Callable[[ConsumerRecord[bytes, bytes]], None], from_start: bool) -> None:
        """Follow one topic for good: wait for it to exist, start `window` back, fold each record."""
        name = topic_name(self.settings, key)
        while not self._stopped.is_set():
            try:
                partitions = await topic_partitions(self.settings, name)
                if partitions:
                    await self._follow(partitions, fold, from_start)
            except (KafkaError, OSError) as exc:  # the broker is away: the poll shows the banner, try again
                log.debug("tail of %s: %s", name, exc)
            await self.pause()

    async def _follow(self, partitions: list[TopicPartition], fold: Callable[[ConsumerRecord[bytes, bytes]], None],
                      from_start: bool) -> None:
        consumer = AIOKafkaConsumer(
            **client_options(self.settings), group_id=None, enable_auto_commit=False,
            client_id=f"vestnik-dashboard-{uuid.uuid4().hex[:8]}",
            max_partition_fetch_bytes=self.settings.max_message_bytes,
            fetch_max_bytes=self.settings.max_message_bytes * 2,
        )
        await consumer.start()
        try:
            consumer.assign(partitions)
            if from_start:
                await consumer.seek_to_beginning(*partitions)
            else:
                since = int((time.time() - self.window.total_seconds()) * 1000)
                found = await consumer.offsets_for_times({tp: since for tp in partitions})
                ends = await consumer.end_offsets(partitions)
                for tp in partitions:
                    consumer.seek(tp, found[tp].offset if found.get(tp) else ends[tp])
            while not self._stopped.is_set():
                batch = await consumer.getmany(timeout_ms=1000, max_records=2000)
                for records in batch.values():
                    for record in records:
                        try:
                            fold(record)
                        except (DecodeError, orjson.JSONDecodeError, UnicodeDecodeError):
                            self.unreadable += 1
                if batch:
                    self.version += 1
        finally:
            await consumer.stop()

    # --- Polled figures --------------------------------------------------------------------------

    async def _poll(self) -> None:
        while not self._stopped.is_set():
            self.snapshot = await self.take()
            self.version += 1
            await self.pause()

    async def take(self) -> Snapshot:
        """Offsets, rates, entity counts and health, as the CLI commands read them now."""
        snapshot = Snapshot(at=datetime.now(UTC))
        try:
            now = await asyncio.wait_for(positions(self.settings, list(self.agents)), self.refresh * 5)
            ends = await asyncio.wait_for(self._output_ends(), self.refresh * 5)
        except (KafkaError, OSError, TimeoutError) as exc:
            since = self.snapshot.kafka_error and self.snapshot.kafka_error.split(" since ")[-1]
            snapshot.kafka_error = (f"Kafka at {', '.join(self.settings.servers)} does not answer"
                                    f" ({type(exc).__name__}) since {since or snapshot.at.strftime('%H:%M:%S')}")
            snapshot.lag, snapshot.flows = self.snapshot.lag, self.snapshot.flows
        else:
            self._lag_samples = [*self._lag_samples, now][-(LAG_SAMPLES_APART + 1):]
            snapshot.lag = progress(self._lag_samples[0] if len(self._lag_samples) > 1 else None, now)
            snapshot.flows = self._flows(now, ends)
        await self._poll_workers(snapshot)
        return snapshot

    async def _output_ends(self) -> dict[str, int]:
        """Records on each agent's output topic so far, summed over its partitions."""
        names = {agent: topic_name(self.settings, agent_named(agent).outputs[0]) for agent in self.agents}
        admin = AIOKafkaAdminClient(**client_options(self.settings))
        consumer = AIOKafkaConsumer(**client_options(self.settings), group_id=None, enable_auto_commit=False)
        try:
            await admin.start()
            await consumer.start()
            described = await admin.describe_topics(sorted(set(names.values())))
            partitions = {topic["topic"]: [TopicPartition(topic["topic"], p["partition"]) for p in topic["partitions"]]
                          for topic in described}
            ends = await consumer.end_offsets([tp for tps in partitions.values() for tp in tps])
            return {agent: sum(ends[tp] for tp in partitions.get(name, [])) for agent, name in names.items()}
        finally:
            await consumer.stop()
            await admin.close()

    def _flows(self, now: list[Position], ends: dict[str, int]) -> list[AgentFlow]:
        at = time.monotonic()
        flows = []
        for agent in self.agents:
            first = agent_named(agent).loops[0]
            group = loop_group(self.settings, first.name)
            inputs = {topic_name(self.settings, key) for key in first.inputs}
            done = sum(p.committed for p in now if p.group == group and p.topic in inputs)
            self.flow.add(f"{agent}:in", at, done)
            self.flow.add(f"{agent}:out", at, ends.get(agent, 0))
            flows.append(AgentFlow(agent, self.flow.per_minute(f"{agent}:in"), self.flow.per_minute(f"{agent}:out")))
        return flows

    async def _poll_workers(self, snapshot: Snapshot) -> None:
        """Entity counts as `vestnik top-entities` reads them, and each worker's /health."""
        try:
            for kind in ENTITY_TYPES:
                snapshot.entity_window, snapshot.entities[kind] = await fetch_top(self.workers, kind, 10)
        except (aiohttp.ClientError, TimeoutError, KeyError, ValueError) as exc:
            snapshot.workers_error = f"no entity counts from {', '.join(self.workers)} ({type(exc).__name__})"
            snapshot.entities = {}
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=3)) as http:
            for url in self.workers:
                snapshot.health.append(await _health(http, url))


async def _health(http: aiohttp.ClientSession, url: str) -> WorkerHealth:
    try:
        async with http.get(f"{url.rstrip('/')}/health") as resp:
            body = await resp.json(content_type=None)
    except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
        return WorkerHealth(url, "unreachable", type(exc).__name__)
    status = body.get("status", "?") if isinstance(body, dict) else "?"
    detail = body.get("reason", "") if isinstance(body, dict) else ""
    return WorkerHealth(url, str(status), str(detail))
