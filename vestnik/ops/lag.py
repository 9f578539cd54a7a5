"""`vestnik lag`: how far each agent's consumer group is behind, and how fast it catches up.

Lag is the end offset of each input partition minus the group's committed offset.
Sampled twice, the committed offsets give the group's rate, and lag over rate an
estimate of when a backfill will be through.
"""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass
from functools import partial

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from streams.app import consumer_groups
from streams.kafka import client_options, coordinated
from streams.settings import Settings


@dataclass(frozen=True)
class Position:
    """One group's position on one input topic, summed over its partitions."""

    group: str
    topic: str
    committed: int
    end: int
    at: float  # time.monotonic() of the sample

    @property
    def lag(self) -> int:
        return max(0, self.end - self.committed)


async def positions(settings: Settings, agents: list[str]) -> list[Position]:
    """The committed and end offsets of every group of `agents` on each of its input topics that exists."""
    groups = consumer_groups(settings, agents)
    admin = AIOKafkaAdminClient(**client_options(settings))
    consumer = AIOKafkaConsumer(**client_options(settings), group_id=None, enable_auto_commit=False)
    try:
        await admin.start()
        await consumer.start()
        partitions = {topic["topic"]: [TopicPartition(topic["topic"], p["partition"]) for p in topic["partitions"]]
                      for topic in await admin.describe_topics(sorted({t for ts in groups.values() for t in ts}))}
        if not any(partitions.values()):
            return []
        ends = await consumer.end_offsets([tp for tps in partitions.values() for tp in tps])
        rows: list[Position] = []
        for group, topics in groups.items():
            committed = await coordinated(partial(admin.list_consumer_group_offsets, group))
            summed: dict[str, list[int]] = defaultdict(lambda: [0, 0])
            for topic in topics:
                for tp in partitions.get(topic, []):
                    offset = committed[tp].offset if tp in committed and committed[tp].offset >= 0 else 0
                    summed[topic][0] += offset
                    summed[topic][1] += ends[tp]
            now = time.monotonic()
            rows.extend(Position(group, topic, done, end, now) for topic, (done, end) in summed.items())
        return rows
    finally:
        await consumer.stop()
        await admin.close()


@dataclass(frozen=True)
class Progress:
    """One group on one topic: its lag, and with an earlier sample its rate and when it will have caught up."""

    group: str
    topic: str
    lag: int
    rate: float | None  # committed offsets per second since the earlier sample
    drained_in: str  # "done", "stalled", "-" (no earlier sample) or a duration like "3m"


def progress(before: list[Position] | None, now: list[Position]) -> list[Progress]:
    """What `vestnik lag` prints and the dashboard shows, from two samples of `positions`."""
    earlier = {(p.group, p.topic): p for p in before or []}
    rows = []
    for p in now:
        rate, eta = None, "done" if p.lag == 0 else "-"
        previous = earlier.get((p.group, p.topic))
        if previous is not None and p.at > previous.at:
            rate = (p.committed - previous.committed) / (p.at - previous.at)
            eta = "done" if p.lag == 0 else (_duration(p.lag / rate) if rate > 0 else "stalled")
        rows.append(Progress(p.group, p.topic, p.lag, rate, eta))
    return rows


def progress_lines(before: list[Position] | None, now: list[Position]) -> list[str]:
    """One line per group and topic: lag, and with an earlier sample the rate and time to drain."""
    lines = [f"{'group':40} {'topic':36} {'lag':>10} {'rate/s':>9} {'drained in':>11}"]
    for row in progress(before, now):
        rate_cell = "-" if row.rate is None else f"{row.rate:9.1f}"
        lines.append(f"{row.group[:40]:40} {row.topic[:36]:36} {row.lag:10d} {rate_cell:>9} {row.drained_in:>11}")
    return lines


def _duration(seconds: float) -> str:
    if seconds < 90:
        return f"{seconds:.0f}s"
    if seconds < 90 * 60:
        return f"{seconds / 60:.0f}m"
    return f"{seconds / 3600:.1f}h"
