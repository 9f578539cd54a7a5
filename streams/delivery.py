"""An agent's consumer loop that vestnik owns: an offset is committed only after its outputs exist.

faust-streaming 0.15's acking can commit past an event it never processed: it
treats jumps in offsets as acknowledged gaps, drops buffered events at a
rebalance while its read position stays ahead of them, and records failed
commits as done. So the agents that carry articles (cleaner, annotator) run on
a plain aiokafka consumer in a mode service inside the Faust app:

- up to `in_flight` inputs at once per agent, so the CPU pool always has the
  next job while earlier outputs travel to the broker; outputs leave in offset
  order per partition (so per key), each input's after its predecessor's,
  unless the loop is unordered (the crawler: its requests wait for their host's
  turn, and one host's must not hold up another's);
- each input's outputs (or its dead letter) are acknowledged by the broker
  before its offset is marked done, and a partition's commit stops at its
  first input not done: it never passes an unfinished input, in either mode;
- at a rebalance the in-flight inputs are finished and the revoked partitions'
  done offsets committed before anyone else takes them over; an input that
  waits on its `give_up_signal` (a request waiting for its host's turn) is
  abandoned at once instead, uncommitted; what was fetched but not started is
  dropped and fetched again by the next owner;
- an infrastructure failure is retried, never dead-lettered; when publishing
  keeps failing the worker exits (75) with nothing more committed;
- a stop gives the in-flight inputs `stop_grace` seconds, then abandons them
  uncommitted.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import random
import time
from collections import deque
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import NoReturn, Protocol

from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition
from aiokafka.abc import ConsumerRebalanceListener
from aiokafka.errors import KafkaError
from mode import Service

from schemas.models import DeadLetter, utc_now
from streams.failures import is_infrastructure
from streams.kafka import client_options
from streams.logs import input_context
from streams.metrics import Metrics
from streams.publisher import Output, Publisher
from streams.settings import Settings

log = logging.getLogger(__name__)

SLOT_WAIT = 5.0  # seconds a full loop waits for a slot before it polls with its partitions paused
EXIT_KAFKA_UNAVAILABLE = 75  # EX_TEMPFAIL: a supervisor (compose, systemd, k8s) restarts the worker
# aiokafka retries a commit while the coordinator is away; the loop must not wait on it for ever.
COMMIT_TIMEOUT = 10.0


@dataclass
class Result:
    """What handling one input produced: the events to publish, and the outcome to count."""

    outputs: list[Output] = field(default_factory=list)
    outcome: str = "published"


Handler = Callable[[bytes | None, bytes | None], Awaitable[Result]]
"""Takes a message's key and value; returns what to publish. Raising means the input failed."""

AssignedHook = Callable[[AIOKafkaConsumer, set[TopicPartition]], Awaitable[None]]
"""Runs when partitions are assigned, before their first input is handled (state a handler needs)."""

RevokedHook = Callable[[set[TopicPartition]], Awaitable[None]]
"""Runs when partitions are revoked, after their inputs are finished and committed, before anyone else takes them."""



class Origin(Protocol):
    """Where an input came from: an aiokafka record or a faust message."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None


def dead_letter(agent: str, record: Origin, exc: BaseException, max_value_bytes: int) -> Output:
    """The dead letter of a failed input; a value too large to carry is left out (its offset still finds it)."""
    value, key = record.value, record.key
    size = len(value or b"")
    letter = DeadLetter(
        agent=agent,
        reason=str(exc) or repr(exc),
        error_type=type(exc).__name__,
        source_topic=record.topic,
        partition=record.partition,
        offset=record.offset,
        key=key,
        value=value if size <= max_value_bytes else None,
        value_size=size,
        failed_at=utc_now(),
    )
    return Output("dead_letters", f"{record.topic}/{record.partition}/{record.offset}", letter)


def exit_uncommitted(agent: str, where: str, exc: BaseException) -> NoReturn:
    """The cluster failed us for longer than we wait: exit at once, so the event stays uncommitted.

    A supervisor restarts the worker, which waits for the cluster and processes the event again.
    """
    log.critical("%s: giving up on %s (%r); exiting with status %d, uncommitted, so that it is redelivered",
                 agent, where, exc, EXIT_KAFKA_UNAVAILABLE)
    logging.shutdown()
    os._exit(EXIT_KAFKA_UNAVAILABLE)


class Abandoned(Exception):
    """The worker is stopping, or the input's partition was revoked: it is left uncommitted for the next owner."""


# The input a task handles, and its signal, set when its partition is revoked or the worker stops.
_INPUT: ContextVar[Origin | None] = ContextVar("vestnik_input", default=None)
_GIVE_UP: ContextVar[asyncio.Event | None] = ContextVar("vestnik_give_up", default=None)


def current_input() -> Origin:
    """The input the calling handler was given (its topic, partition and offset): state kept beside its partition."""
    record = _INPUT.get()
    if record is None:
        raise RuntimeError("current_input() is for handlers run by an AgentLoop")
    return record


def give_up_signal() -> asyncio.Event:
    """Set once the input this task handles is to be abandoned: for a wait that has produced nothing yet.

    A request waiting for its host's turn gives up when it is set and raises
    Abandoned: a rebalance does not wait on politeness, and the next owner
    handles the input again. Outside an agent's loop, an event never set.
    """
    return _GIVE_UP.get() or asyncio.Event()


async def _no_wait() -> None:
    return None


async def handle_input(agent: str, record: Origin, handler: Handler, publisher: Publisher, metrics: Metrics,
                       settings: Settings, stopping: Callable[[], bool] = lambda: False,
                       turn: Callable[[], Awaitable[None]] = _no_wait) -> None:
    """Handle one input until its outputs, or its dead letter, are acknowledged by the broker.

    The input's fault makes a dead letter; an infrastructure failure is retried with backoff
    for `publish_timeout`, then the worker exits uncommitted. A stopping worker abandons it.
    Nothing is published before `turn()` returns: the inputs before it have published theirs.
    """
    where = f"{record.topic}[{record.partition}]@{record.offset}"
    deadline = time.monotonic() + settings.publish_timeout
    attempt = 0
    while True:
        try:
            result = await handler(record.key, record.value)
            await turn()
            await publisher.publish(result.outputs)
            metrics.count(agent, result.outcome)
            return
        except Abandoned:
            raise
        except Exception as exc:
            if not is_infrastructure(exc):
                await turn()
                await _dead_letter(agent, record, where, exc, publisher, metrics, settings)
                return
            if stopping():  # a revocation waits: the broker back, the input finishes; not, the worker exits
                log.info("%s: stopping; %s left uncommitted (%r)", agent, where, exc)
                raise Abandoned() from exc
            attempt += 1
            if time.monotonic() >= deadline:
                exit_uncommitted(agent, where, exc)
            pause = min(5.0, 0.2 * 2**attempt) * random.uniform(0.5, 1.0)
            log.warning("%s: %s failed for a reason outside the input (%r); retrying in %.1fs",
                        agent, where, exc, pause)
            await asyncio.sleep(pause)


async def _dead_letter(agent: str, record: Origin, where: str, exc: Exception, publisher: Publisher,
                       metrics: Metrics, settings: Settings) -> None:
    log.warning("%s: dead-lettering %s: %s: %s", agent, where, type(exc).__name__, exc)
    # Base64 grows a value by a third: carry it only while the letter stays under the message limit.
    max_value = settings.max_message_bytes * 2 // 3 - 64 * 1024
    try:
        await publisher.publish([dead_letter(agent, record, exc, max_value)])
    except Exception as letter_error:
        exit_uncommitted(agent, where, letter_error)
    metrics.count(agent, f"dead_letter:{type(exc).__name__}")


def _article_id(key: bytes | None) -> str | None:
    """Every article topic is keyed by the article id."""
    return key.decode("utf-8", "replace") if key else None


@dataclass
class _Turn:
    """An input's place in its partition: set when it is done (ok) or abandoned (not ok)."""

    over: asyncio.Event = field(default_factory=asyncio.Event)
    ok: bool = False

    def end(self, ok: bool) -> None:
        self.ok = ok
        self.over.set()

    async def wait(self) -> None:
        await self.over.wait()
        if not self.ok:
            raise Abandoned()  # the input before was left uncommitted: so is this one


class AgentLoop(Service, ConsumerRebalanceListener):
    """One agent: its consumer group, its input topics, its handler."""

    def __init__(self, *, agent: str, group: str, topics: list[str], handler: Handler, publisher: Publisher,
                 metrics: Metrics, settings: Settings, on_assigned: AssignedHook | None = None,
                 on_revoked: RevokedHook | None = None, in_flight: int | None = None, ordered: bool = True) -> None:
        super().__init__()
        self.agent, self.group, self.topics, self.handler = agent, group, topics, handler
        self.on_assigned, self.on_revoked, self.ordered = on_assigned, on_revoked, ordered
        self.publisher, self.metrics, self.settings = publisher, metrics, settings
        self._consumer: AIOKafkaConsumer | None = None
        self._task: asyncio.Task[None] | None = None
        self._slots = asyncio.Semaphore(in_flight or settings.in_flight)
        self._inputs: set[asyncio.Task[None]] = set()  # in flight
        self._last: dict[TopicPartition, _Turn] = {}  # the latest input started, per partition
        self._generation = 0  # bumped at every revocation: a batch fetched before it is stale
        self._open: dict[TopicPartition, dict[int, None]] = {}  # offsets started and not done, in offset order
        self._next: dict[TopicPartition, int] = {}  # the offset after the latest input started
        self._done: dict[TopicPartition, int] = {}  # next offset to commit, per partition
        self._give_up: dict[TopicPartition, asyncio.Event] = {}  # set when the partition's inputs are abandoned
        self._commit_lock = asyncio.Lock()
        self._stopping = False
        self._last_commit = 0.0

    @property
    def label(self) -> str:
        return f"{type(self).__name__}: {self.agent}"

    @property
    def consumer(self) -> AIOKafkaConsumer | None:
        return self._consumer

    async def on_start(self) -> None:
        with input_context(agent=self.agent):  # the loop's task, and every input task it starts, log the agent
            self._task = asyncio.create_task(self._run(), name=f"vestnik-{self.agent}")

    async def on_stop(self) -> None:
        """Finish the in-flight inputs within the grace period, or abandon them uncommitted."""
        self._stopping = True
        for give_up in self._give_up.values():
            give_up.set()
        if self._task is None:
            return
        try:
            await asyncio.wait_for(asyncio.shield(self._task), self.settings.stop_grace)
        except TimeoutError:
            log.warning("%s: in-flight inputs not finished within %.0fs; abandoning them uncommitted",
                        self.agent, self.settings.stop_grace)
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        except Exception:
            log.exception("%s: consumer loop failed", self.agent)

    def _new_consumer(self) -> AIOKafkaConsumer:
        s = self.settings
        return AIOKafkaConsumer(
            **client_options(s),
            group_id=self.group,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            max_partition_fetch_bytes=s.max_message_bytes,
            fetch_max_bytes=s.max_message_bytes,  # what is fetched ahead of the handler stays in memory
            session_timeout_ms=int(s.session_timeout * 1000),
            heartbeat_interval_ms=int(min(3.0, s.session_timeout / 3) * 1000),
            rebalance_timeout_ms=int(s.rebalance_timeout * 1000),
            max_poll_interval_ms=int(s.rebalance_timeout * 1000),
        )

    async def _run(self) -> None:
        consumer = self._consumer = self._new_consumer()
        consumer.subscribe(self.topics, listener=self)
        try:
            await self._start(consumer)
            log.info("%s: consuming %s as group %s", self.agent, ", ".join(self.topics), self.group)
            while not self._stopping:
                batch = await consumer.getmany(timeout_ms=500, max_records=4 * self.settings.in_flight)
                await self._dispatch(batch, consumer)
                if self._done and time.monotonic() - self._last_commit >= 1.0:
                    await self._commit()
        except Abandoned:
            pass
        except Exception as exc:  # a loop that died silently would leave its partitions unserved
            exit_uncommitted(self.agent, "the consumer loop", exc)
        finally:
            try:
                await self._drain()
            finally:
                with contextlib.suppress(Exception):
                    await self._commit()
                await consumer.stop()

    async def _start(self, consumer: AIOKafkaConsumer) -> None:
        """Join the cluster, waiting for it as long as a starting worker does."""
        deadline = time.monotonic() + self.settings.startup_timeout
        while True:
            try:
                await consumer.start()
                return
            except KafkaError as exc:
                if self._stopping:
                    raise Abandoned() from exc
                if time.monotonic() >= deadline:
                    exit_uncommitted(self.agent, "start", exc)
                log.warning("%s: cannot reach Kafka yet (%r); retrying", self.agent, exc)
                await asyncio.sleep(2.0)

    async def _dispatch(self, batch: dict[TopicPartition, list[ConsumerRecord]],
                        consumer: AIOKafkaConsumer | None = None) -> None:
        """Start each record once a slot is free, unless a revocation or a stop made it stale.

        When every slot stays taken (requests waiting for their host's turn), the consumer
        keeps polling with its partitions paused: a loop that stopped polling for
        `max_poll_interval` would be put out of its group.
        """
        queue = deque((self._generation, tp, record) for tp, records in batch.items() for record in records)
        while queue:
            while not await self._slot(SLOT_WAIT if consumer is not None else None):
                assert consumer is not None
                queue.extend(await self._poll_paused(consumer))
            generation, tp, record = queue.popleft()
            if self._stopping:
                self._slots.release()
                return
            if generation != self._generation:
                self._slots.release()
                continue  # fetched before a revocation: the next owner (maybe us) fetches it again from the commit
            before, turn = (self._last.get(tp) if self.ordered else None), _Turn()
            self._last[tp] = turn
            self._open.setdefault(tp, {})[record.offset] = None
            self._next[tp] = record.offset + 1
            give_up = self._give_up.setdefault(tp, asyncio.Event())
            task = asyncio.create_task(self._handle(tp, record, before, turn, give_up))
            self._inputs.add(task)
            task.add_done_callback(self._inputs.discard)

    async def _slot(self, timeout: float | None) -> bool:
        """Take a slot, waiting at most `timeout` seconds (None: as long as it takes)."""
        try:
            await asyncio.wait_for(self._slots.acquire(), timeout)
        except TimeoutError:
            return False
        return True

    async def _poll_paused(self, consumer: AIOKafkaConsumer) -> list[tuple[int, TopicPartition, ConsumerRecord]]:
        """Poll, the assigned partitions paused, until a slot is free; what comes is of a new assignment."""
        paused = consumer.assignment()
        consumer.pause(*paused)
        fetched = []
        try:
            while self._slots.locked() and not self._stopping:
                batch = await consumer.getmany(timeout_ms=200)
                fetched += [(self._generation, tp, record) for tp, records in batch.items() for record in records]
        finally:
            consumer.resume(*(tp for tp in paused if tp in consumer.assignment()))
        return fetched

    async def _handle(self, tp: TopicPartition, record: ConsumerRecord, before: _Turn | None, turn: _Turn,
                      give_up: asyncio.Event) -> None:
        ok = False
        context = input_context(topic=record.topic, partition=record.partition, offset=record.offset,
                                article_id=_article_id(record.key))
        _INPUT.set(record)  # the task's own context: only this input sees them
        _GIVE_UP.set(give_up)
        try:
            with context:
                await handle_input(self.agent, record, self.handler, self.publisher, self.metrics, self.settings,
                                   stopping=lambda: self._stopping, turn=before.wait if before else _no_wait)
            self._mark_done(tp, record.offset)
            ok = True
        except Abandoned:
            pass
        except Exception as exc:
            exit_uncommitted(self.agent, f"{record.topic}[{record.partition}]@{record.offset}", exc)
        finally:
            turn.end(ok)
            if self._last.get(tp) is turn:
                del self._last[tp]
            self._slots.release()

    def _mark_done(self, tp: TopicPartition, offset: int) -> None:
        """The partition's commit moves up to its first input not done; an abandoned one stays open, holding it."""
        started = self._open.get(tp)
        if started is None or offset not in started:
            return  # revoked meanwhile: the next owner handles it again
        del started[offset]
        self._done[tp] = next(iter(started), self._next[tp])

    async def _drain(self) -> None:
        """Wait for every input in flight."""
        if self._inputs:
            await asyncio.gather(*self._inputs, return_exceptions=True)

    async def _commit(self, partitions: set[TopicPartition] | None = None) -> None:
        """Commit the done offsets of the assigned partitions (of `partitions` only, if given)."""
        consumer = self._consumer
        if consumer is None or not self._done:
            return
        async with self._commit_lock:
            assigned = consumer.assignment()
            offsets = {tp: offset for tp, offset in self._done.items()
                       if tp in assigned and (partitions is None or tp in partitions)}
            self._last_commit = time.monotonic()
            if not offsets:
                return
            try:
                await asyncio.wait_for(consumer.commit(offsets), COMMIT_TIMEOUT)
            except (KafkaError, TimeoutError) as exc:
                # Not lost: the offsets stay in _done for the next commit, or the inputs are processed again.
                log.warning("%s: commit failed (%r); will retry", self.agent, exc)
                return
            for tp, offset in offsets.items():
                if self._done.get(tp) == offset:
                    del self._done[tp]

    async def on_partitions_revoked(self, revoked: set[TopicPartition]) -> None:
        """Before anyone else takes these partitions: finish the inputs in flight and commit what is done.

        Inputs waiting on their give-up signal are abandoned rather than waited for.
        """
        self._generation += 1
        for tp in revoked:
            self._give_up.pop(tp, asyncio.Event()).set()
        began, in_flight = time.monotonic(), len(self._inputs)
        await self._drain()
        await self._commit(set(revoked))
        if in_flight:
            log.info("%s: revoked; %d inputs in flight finished or abandoned in %.2fs",
                     self.agent, in_flight, time.monotonic() - began)
        for tp in revoked:
            self._done.pop(tp, None)
            self._last.pop(tp, None)
            self._open.pop(tp, None)
            self._next.pop(tp, None)
        if self.on_revoked is not None:
            await self.on_revoked(set(revoked))

    async def on_partitions_assigned(self, assigned: set[TopicPartition]) -> None:
        log.info("%s: assigned %s", self.agent, ", ".join(f"{tp.topic}[{tp.partition}]" for tp in sorted(assigned)))
        if self.on_assigned is not None and self._consumer is not None:
            await self.on_assigned(self._consumer, assigned)
