"""Backfill: make agents reprocess their input from a point in time, or only a window of it.

`rewind` moves the agents' consumer groups back. Kafka only lets a group's
offsets be set while the group has no live member: stop the workers, rewind,
start them again. Outputs are keyed by article id on compacted topics, so
reprocessing replaces rather than duplicates.

`refeed` leaves the groups alone and copies the input records of a time window
back onto their own partitions, for the running workers to process again. A
record is copied only if it is its article's newest input: re-processing an
older version of a page after a newer one would leave the older result last on
the compacted output topic.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.structs import OffsetAndMetadata

from streams.app import consumer_groups
from streams.bindings import AGENTS
from streams.kafka import client_options, coordinated, offsets_at, records_between
from streams.settings import Settings
from streams.topics import topic_name


class ReplayError(RuntimeError):
    """The group cannot be rewound now (e.g. workers of it are still running)."""


async def rewind(settings: Settings, agents: list[str], since: datetime | None) -> dict[TopicPartition, int]:
    """Set the groups of `agents` to the first offset at or after `since` (None: the oldest kept)."""
    groups = consumer_groups(settings, agents)
    admin = AIOKafkaAdminClient(**client_options(settings))
    await admin.start()
    try:
        await _require_topics(admin, [topic for topics in groups.values() for topic in topics])
        for group in groups:
            described = await coordinated(partial(admin.describe_consumer_groups, [group]))
            error_code, _, state, _, _, members = described[0].groups[0][:6]
            if error_code:
                raise ReplayError(f"cannot describe group {group}: Kafka error code {error_code}")
            if members or state not in ("Empty", "Dead", ""):
                raise ReplayError(
                    f"group {group} is {state} with {len(members)} live member(s): stop its workers first")
        partitions = {group: await _partitions(admin, topics) for group, topics in groups.items()}
    finally:
        await admin.close()
    targets: dict[TopicPartition, int] = {}
    for group, tps in partitions.items():
        consumer = AIOKafkaConsumer(**client_options(settings), group_id=group, enable_auto_commit=False)
        try:
            await consumer.start()
            consumer.assign(tps)
            chosen = await offsets_at(consumer, tps, since)
            await consumer.commit({tp: OffsetAndMetadata(offset, "") for tp, offset in chosen.items()})
            targets.update(chosen)
        finally:
            await consumer.stop()
    return targets


async def _require_topics(admin: AIOKafkaAdminClient, topics: list[str]) -> None:
    """Input topics that do not exist yet hold nothing to reprocess: say so rather than fail in Kafka's words."""
    missing = sorted(set(topics) - set(await admin.list_topics()))
    if missing:
        raise ReplayError(f"{', '.join(missing)} do not exist yet, so there is no input to reprocess"
                          " (workers create the topics when they start: `vestnik run` or `vestnik worker`)")


async def _partitions(admin: AIOKafkaAdminClient, topics: list[str]) -> list[TopicPartition]:
    return [TopicPartition(topic["topic"], partition["partition"])
            for topic in await admin.describe_topics(topics) for partition in topic["partitions"]]


REPLAYED_HEADER = "vestnik-replayed"


@dataclass
class Refeed:
    """What `refeed` did, per input topic."""

    copied: Counter[str] = field(default_factory=Counter)
    superseded: Counter[str] = field(default_factory=Counter)  # a newer input of the same article exists


async def refeed(settings: Settings, agents: list[str], since: datetime | None, until: datetime) -> Refeed:
    """Copy the inputs of `agents` received in [since, until) back onto their partitions (newest per article)."""
    refed = {agent.name: agent.loops[0].inputs for agent in AGENTS if agent.refeeds_articles}
    unknown = [agent for agent in agents if agent not in refed]
    if unknown:
        raise ReplayError(f"{', '.join(unknown)}: only agents that read article topics can be re-fed "
                          f"({', '.join(refed)}); rewind the others")
    topics = sorted({topic_name(settings, key) for agent in agents for key in refed[agent]})
    report = Refeed()
    admin = AIOKafkaAdminClient(**client_options(settings))
    await admin.start()
    try:
        await _require_topics(admin, topics)
        tps = await _partitions(admin, topics)
    finally:
        await admin.close()
    consumer = AIOKafkaConsumer(**client_options(settings), group_id=None, enable_auto_commit=False,
                                max_partition_fetch_bytes=settings.max_message_bytes,
                                fetch_max_bytes=settings.max_message_bytes)
    producer = AIOKafkaProducer(**client_options(settings), acks="all", compression_type="zstd",
                                max_request_size=settings.max_message_bytes)
    try:
        await consumer.start()
        await producer.start()
        starts, stops = await offsets_at(consumer, tps, since), await offsets_at(consumer, tps, until)
        ends = await consumer.end_offsets(tps)
        for tp in tps:
            newest: dict[bytes | None, int] = {}
            async for record in records_between(consumer, tp, starts[tp], ends[tp]):
                newest[record.key] = record.offset
            async for record in records_between(consumer, tp, starts[tp], stops[tp]):
                if newest[record.key] != record.offset:
                    report.superseded[tp.topic] += 1
                    continue
                headers = [*record.headers, (REPLAYED_HEADER, b"1")]
                await producer.send(tp.topic, record.value, key=record.key, partition=tp.partition, headers=headers)
                report.copied[tp.topic] += 1
        await producer.flush()
    finally:
        await producer.stop()
        await consumer.stop()
    return report
