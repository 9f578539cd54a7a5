"""The consumer loop's bookkeeping with several inputs in flight: order of outputs, offsets marked done."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from aiokafka import TopicPartition
from aiokafka.errors import KafkaConnectionError

from streams.delivery import Abandoned, AgentLoop, Result, current_input, give_up_signal
from streams.publisher import Output
from streams.settings import Settings

TOPIC = "raw"


@dataclass
class Record:
    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None


class Publisher:
    def __init__(self) -> None:
        self.sent: list[Output] = []

    async def publish(self, outputs: Sequence[Output]) -> None:
        await asyncio.sleep(random.uniform(0, 0.002))
        self.sent.extend(outputs)


class Metrics:
    def count(self, agent: str, outcome: str) -> None:
        pass


def make_loop(handler: Any, publisher: Publisher, in_flight: int, ordered: bool = True) -> AgentLoop:
    settings = Settings(in_flight=in_flight, publish_timeout=5.0)
    return AgentLoop(agent="test", group="g", topics=[TOPIC], handler=handler, publisher=publisher,  # type: ignore[arg-type]
                     metrics=Metrics(), settings=settings, ordered=ordered)  # type: ignore[arg-type]


def batch(partitions: int, per_partition: int) -> dict[TopicPartition, list[Record]]:
    return {TopicPartition(TOPIC, p): [Record(TOPIC, p, offset, f"{p}".encode(), f"{p}/{offset}".encode())
                                       for offset in range(per_partition)]
            for p in range(partitions)}


async def test_inputs_run_together_but_publish_in_offset_order_per_partition() -> None:
    random.seed(1)
    running = peak = 0

    async def handler(key: bytes | None, value: bytes | None) -> Result:
        nonlocal running, peak
        running += 1
        peak = max(peak, running)
        await asyncio.sleep(random.uniform(0, 0.01))  # later inputs often finish first
        running -= 1
        return Result([Output("clean_articles", (value or b"").decode(), None)])  # type: ignore[arg-type]

    publisher = Publisher()
    loop = make_loop(handler, publisher, in_flight=4)
    records = batch(partitions=3, per_partition=20)
    await loop._dispatch(records)
    await loop._drain()

    assert peak == 4
    for tp, consumed in records.items():
        published = [o.key for o in publisher.sent if o.key.startswith(f"{tp.partition}/")]
        assert published == [f"{tp.partition}/{r.offset}" for r in consumed]
        assert loop._done[tp] == len(consumed)


async def test_an_abandoned_input_holds_back_every_later_one_of_its_partition() -> None:
    stuck = asyncio.Event()

    async def handler(key: bytes | None, value: bytes | None) -> Result:
        if value == b"0/2":
            await stuck.wait()
            raise KafkaConnectionError("broker gone")  # infrastructure: retried, or abandoned when stopping
        return Result([Output("clean_articles", (value or b"").decode(), None)])  # type: ignore[arg-type]

    publisher = Publisher()
    loop = make_loop(handler, publisher, in_flight=4)
    records = batch(partitions=2, per_partition=5)
    dispatching = asyncio.create_task(loop._dispatch(records))
    await asyncio.sleep(0.05)
    loop._stopping = True
    stuck.set()
    await dispatching
    await loop._drain()

    partition0 = TopicPartition(TOPIC, 0)
    assert [o.key for o in publisher.sent if o.key.startswith("0/")] == ["0/0", "0/1"]
    assert loop._done[partition0] == 2  # the commit stops before the abandoned input
    assert loop._done[TopicPartition(TOPIC, 1)] == 5  # another partition goes on meanwhile


async def test_a_revocation_makes_the_rest_of_a_fetched_batch_stale() -> None:
    started: list[str] = []

    async def handler(key: bytes | None, value: bytes | None) -> Result:
        started.append((value or b"").decode())
        await asyncio.sleep(0.01)
        return Result([Output("clean_articles", (value or b"").decode(), None)])  # type: ignore[arg-type]

    publisher = Publisher()
    loop = make_loop(handler, publisher, in_flight=2)
    records = batch(partitions=1, per_partition=10)
    dispatching = asyncio.create_task(loop._dispatch(records))
    await asyncio.sleep(0)
    loop._generation += 1  # what on_partitions_revoked does first
    await dispatching
    await loop._drain()

    assert len(started) == 2  # those in flight finish; the rest wait for the next owner's fetch
    assert loop._done[TopicPartition(TOPIC, 0)] == 2


async def test_an_unordered_loop_publishes_as_inputs_finish_but_commits_only_below_the_first_unfinished() -> None:
    slow = asyncio.Event()

    async def handler(key: bytes | None, value: bytes | None) -> Result:
        assert current_input().value == value
        if value == b"0/1":
            await slow.wait()  # a request waiting for its host's turn while later ones finish
        return Result([Output("raw_pages", (value or b"").decode(), None)])  # type: ignore[arg-type]

    publisher = Publisher()
    loop = make_loop(handler, publisher, in_flight=8, ordered=False)
    partition0 = TopicPartition(TOPIC, 0)
    await loop._dispatch(batch(partitions=1, per_partition=6))
    await asyncio.sleep(0.05)
    assert sorted(o.key for o in publisher.sent) == ["0/0", "0/2", "0/3", "0/4", "0/5"]  # not held behind 0/1
    assert loop._done[partition0] == 1  # offsets 2..5 are done, but the commit never passes 0/1
    slow.set()
    await loop._drain()
    assert loop._done[partition0] == 6


async def test_a_revocation_abandons_the_inputs_waiting_on_their_give_up_signal_uncommitted() -> None:
    finished: list[str] = []

    async def handler(key: bytes | None, value: bytes | None) -> Result:
        if value == b"0/1":
            give_up = give_up_signal()
            await give_up.wait()  # waits for its host's turn, which comes only after the revocation
            raise Abandoned()
        finished.append((value or b"").decode())
        return Result()

    loop = make_loop(handler, Publisher(), in_flight=8, ordered=False)
    partition0 = TopicPartition(TOPIC, 0)
    await loop._dispatch(batch(partitions=1, per_partition=3))
    await asyncio.sleep(0.05)
    committed: list[int] = []

    async def commit(partitions: set[TopicPartition] | None = None) -> None:
        committed.append(loop._done[partition0])

    loop._commit = commit  # type: ignore[method-assign]
    await asyncio.wait_for(loop.on_partitions_revoked({partition0}), 1.0)  # does not wait for the host's turn
    assert finished == ["0/0", "0/2"]
    assert committed == [1]  # 0/1 and everything after it go to the next owner
    assert partition0 not in loop._open


async def test_a_revocation_while_publishing_fails_keeps_retrying_until_the_worker_exits_uncommitted(
    monkeypatch: Any,
) -> None:
    """A broker gone away must end in exit 75, not in inputs quietly abandoned while the worker waits forever."""
    exits: list[str] = []

    def exit_uncommitted(agent: str, where: str, exc: BaseException) -> None:
        exits.append(where)
        raise Abandoned()  # stands in for os._exit in this process

    monkeypatch.setattr("streams.delivery.exit_uncommitted", exit_uncommitted)

    async def handler(key: bytes | None, value: bytes | None) -> Result:
        raise KafkaConnectionError("broker down")

    loop = make_loop(handler, Publisher(), in_flight=1)
    loop.settings = Settings(in_flight=1, publish_timeout=0.5)
    partition0 = TopicPartition(TOPIC, 0)
    await loop._dispatch(batch(partitions=1, per_partition=1))
    await asyncio.sleep(0.05)

    async def commit(partitions: set[TopicPartition] | None = None) -> None:
        pass

    loop._commit = commit  # type: ignore[method-assign]
    await asyncio.wait_for(loop.on_partitions_revoked({partition0}), 5.0)
    assert exits == [f"{TOPIC}[0]@0"]


class PollingConsumer:
    """Just enough of a consumer to see whether the loop keeps polling and what it pauses."""

    def __init__(self, partitions: set[TopicPartition]) -> None:
        self.partitions, self.paused, self.polls = partitions, set[TopicPartition](), 0

    def assignment(self) -> set[TopicPartition]:
        return set(self.partitions)

    def pause(self, *partitions: TopicPartition) -> None:
        self.paused |= set(partitions)

    def resume(self, *partitions: TopicPartition) -> None:
        self.paused -= set(partitions)

    async def getmany(self, timeout_ms: int = 0, max_records: int | None = None) -> dict[TopicPartition, list[Any]]:
        self.polls += 1
        await asyncio.sleep(timeout_ms / 1000)
        return {}


async def test_a_loop_whose_slots_stay_taken_keeps_polling_with_its_partitions_paused(monkeypatch: Any) -> None:
    """Requests waiting long for their host's turn must not stop the polls, or the group puts the worker out."""
    monkeypatch.setattr("streams.delivery.SLOT_WAIT", 0.05)
    release = asyncio.Event()
    started: list[str] = []

    async def handler(key: bytes | None, value: bytes | None) -> Result:
        started.append((value or b"").decode())
        await release.wait()
        return Result()

    loop = make_loop(handler, Publisher(), in_flight=1, ordered=False)
    partition0 = TopicPartition(TOPIC, 0)
    consumer = PollingConsumer({partition0})
    dispatch = asyncio.create_task(loop._dispatch(batch(partitions=1, per_partition=2), consumer))  # type: ignore[arg-type]
    await asyncio.sleep(0.6)
    assert started == ["0/0"] and consumer.polls >= 2 and consumer.paused == {partition0}
    release.set()
    await asyncio.wait_for(dispatch, 2.0)
    await loop._drain()
    assert started == ["0/0", "0/1"] and consumer.paused == set()
    assert loop._done[partition0] == 2
