"""The crawler's memory in Kafka: each URL's crawl state, and the frontier's recent requests.

The state of a URL lives in the compacted `crawl-state` topic, in the partition
with the number of its host's frontier partition: the worker that owns a frontier
partition reads the same partition of the state when it is assigned, and writes
to it after each request. Nothing else writes there, so the state a worker holds
is the partition's, up to its own writes.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import orjson
from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition

from agents.crawler.frontier import RecentlyQueued
from agents.crawler.state import CrawlState, expired
from schemas.models import UrlCrawlState
from streams.kafka import client_options, offsets_at, topic_partitions
from streams.publisher import Output
from streams.settings import Settings
from streams.topics import topic_name

log = logging.getLogger(__name__)

STATE_FIELDS = ("last_fetch", "etag", "last_modified", "content_sha256", "failures")
RETRY_PAUSE = 2.0


def _reader(settings: Settings) -> AIOKafkaConsumer:
    return AIOKafkaConsumer(**client_options(settings), group_id=None, enable_auto_commit=False,
                            max_partition_fetch_bytes=settings.max_message_bytes,
                            fetch_max_bytes=settings.max_message_bytes)


async def _read(reader: AIOKafkaConsumer, starts: dict[TopicPartition, int]
                ) -> AsyncIterator[tuple[TopicPartition, ConsumerRecord[bytes, bytes]]]:
    """Every record from `starts` to the end offsets seen now, partition by partition as they come."""
    tps = list(starts)
    ends = await reader.end_offsets(tps)
    pending = {tp for tp in tps if starts[tp] < ends[tp]}
    reader.assign(tps)
    for tp in pending:
        reader.seek(tp, starts[tp])
    while pending:
        batch = await reader.getmany(*pending, timeout_ms=1000)
        for tp, records in batch.items():
            for record in records:
                if record.offset < ends[tp]:
                    yield tp, record
        pending = {tp for tp in pending if await reader.position(tp) < ends[tp]}


class CrawlStates:
    """The crawl state of the frontier partitions this worker owns, per partition, from `crawl-state`."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.topic = topic_name(settings, "crawl_state")
        self._states: dict[int, dict[str, CrawlState]] = {}
        self._read_until: dict[int, int] = {}  # the next offset of each partition not read yet
        self.owned: set[int] = set()
        self.ready = asyncio.Event()  # inputs fetched during an assignment wait for its state
        self._loading: asyncio.Task[None] | None = None

    def get(self, partition: int, url: str) -> CrawlState:
        return self.held(partition, url) or CrawlState()

    def held(self, partition: int, url: str) -> CrawlState | None:
        """The state this worker holds for `url`, if any: the very object it remembered."""
        return self._states.get(partition, {}).get(url)

    def output(self, partition: int, url: str, state: CrawlState | None) -> Output:
        """The record that keeps `state` (None: forgets the URL) in the partition of its frontier requests."""
        event = None if state is None else UrlCrawlState(url=url, **state.dump())
        return Output("crawl_state", url, event, partition=partition)

    def remember(self, partition: int, url: str, state: CrawlState) -> None:
        """Once its record is acknowledged: a request that comes later sees it."""
        self._states.setdefault(partition, {})[url] = state

    def forget(self, partition: int, url: str) -> None:
        self._states.get(partition, {}).pop(url, None)

    def expired(self, now: float) -> list[tuple[int, str]]:
        """The URLs of owned partitions whose state outlived `crawl_state_ttl`."""
        ttl = self.settings.crawl_state_ttl
        return [(partition, url) for partition in sorted(self.owned)
                for url in expired(((u, s.dump()) for u, s in self._states.get(partition, {}).items()), now, ttl)]

    async def revoked(self) -> None:
        """Stop reading (the next assignment catches up from where this stopped) and hold nothing as owned."""
        self.ready.clear()
        self.owned = set()
        if self._loading is not None:
            self._loading.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._loading
            self._loading = None

    def assigned(self, partitions: set[int]) -> None:
        """Start reading the state of `partitions`, in the background; inputs wait for `ready`.

        Not within the assignment callback: the group hears no heartbeat from this
        worker until the callback returns, and a month of state takes a while to read.
        """
        self.ready.clear()
        for gone in set(self._states) - partitions:
            del self._states[gone]
            self._read_until.pop(gone, None)
        self._loading = asyncio.create_task(self._load(partitions), name="vestnik-crawl-state")

    async def _load(self, partitions: set[int]) -> None:
        """Catch up on `partitions` from where this worker stopped reading, retried until it is read."""
        began = time.monotonic()
        while True:
            try:
                read = await self._catch_up(partitions)
                break
            except Exception as exc:
                log.warning("crawler: reading the crawl state failed (%r); retrying", exc)
                await asyncio.sleep(RETRY_PAUSE)
        self.owned = set(partitions)
        self.ready.set()
        log.info("crawler: crawl state of partitions %s: %d URLs (%d records read in %.1fs)",
                 sorted(partitions), sum(len(self._states.get(p, {})) for p in partitions), read,
                 time.monotonic() - began)

    async def _catch_up(self, partitions: set[int]) -> int:
        if not partitions:
            return 0
        read = 0
        reader = _reader(self.settings)
        try:
            await reader.start()
            tps = {TopicPartition(self.topic, p) for p in partitions}
            beginnings = await reader.beginning_offsets(list(tps))
            starts = {tp: max(self._read_until.get(tp.partition, 0), beginnings[tp]) for tp in tps}
            async for tp, record in _read(reader, starts):
                self._apply(tp.partition, record.key, record.value)
                self._read_until[tp.partition] = record.offset + 1
                read += 1
        finally:
            await reader.stop()
        return read

    def _apply(self, partition: int, key: bytes | None, value: bytes | None) -> None:
        url = (key or b"").decode("utf-8", "replace")
        if value is None:
            self.forget(partition, url)
            return
        try:
            data = orjson.loads(value)
            state = CrawlState(**{name: data[name] for name in STATE_FIELDS if name in data})
        except (orjson.JSONDecodeError, TypeError) as exc:
            log.warning("crawler: unreadable crawl state of %s skipped (%r)", url, exc)
            return
        self.remember(partition, url, state)


async def recent_requests(settings: Settings, queued: RecentlyQueued) -> int:
    """Mark the URLs the frontier received within `refetch_after`: what the last discovery leader queued.

    Only the URL and the time of each request are read. Returns how many were marked.
    """
    tps = await topic_partitions(settings, topic_name(settings, "frontier"))
    if not tps:
        return 0
    reader = _reader(settings)
    await reader.start()
    marked = 0
    try:
        since = datetime.now(UTC) - timedelta(seconds=settings.refetch_after)
        starts = await offsets_at(reader, tps, since)
        async for _, record in _read(reader, starts):
            try:
                url = orjson.loads(record.value or b"")["url"]
            except (orjson.JSONDecodeError, KeyError, TypeError):
                continue  # the fetch side dead-letters it
            queued.mark([url], at=record.timestamp / 1000)
            marked += 1
    finally:
        await reader.stop()
    return marked
