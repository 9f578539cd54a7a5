"""Backfill: move agents' consumer groups back to a point in time, so their workers reprocess.

Kafka only lets a group's offsets be set while the group has no live member:
stop the workers, rewind, start them again. Outputs are keyed by article id
on compacted topics, so reprocessing replaces rather than duplicates.
"""

from __future__ import annotations

from datetime import datetime

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.structs import OffsetAndMetadata

from streams.app import consumer_groups
from streams.kafka import client_options
from streams.settings import Settings


class ReplayError(RuntimeError):
    """The group cannot be rewound now (e.g. workers of it are still running)."""


async def rewind(settings: Settings, agents: list[str], since: datetime) -> dict[TopicPartition, int]:
    """Set the groups of `agents` to the first offset at or after `since` on each of their input partitions."""
    groups = consumer_groups(settings, agents)
    admin = AIOKafkaAdminClient(**client_options(settings))
    await admin.start()
    try:
        for group in groups:
            described = await admin.describe_consumer_groups([group])
            error_code, _, state, _, _, members = described[0].groups[0][:6]
            if error_code:
                raise ReplayError(f"cannot describe group {group}: Kafka error code {error_code}")
            if members or state not in ("Empty", "Dead", ""):
                raise ReplayError(
                    f"group {group} is {state} with {len(members)} live member(s): stop its workers first")
        partitions = {
            group: [TopicPartition(topic["topic"], partition["partition"])
                    for topic in await admin.describe_topics(topics) for partition in topic["partitions"]]
            for group, topics in groups.items()
        }
    finally:
        await admin.close()
    targets: dict[TopicPartition, int] = {}
    for group, tps in partitions.items():
        consumer = AIOKafkaConsumer(**client_options(settings), group_id=group, enable_auto_commit=False)
        await consumer.start()
        try:
            consumer.assign(tps)
            found = await consumer.offsets_for_times({tp: int(since.timestamp() * 1000) for tp in tps})
            ends = await consumer.end_offsets(tps)
            chosen = {tp: (found[tp].offset if found[tp] is not None else ends[tp]) for tp in tps}
            await consumer.commit({tp: OffsetAndMetadata(offset, "") for tp, offset in chosen.items()})
            targets.update(chosen)
        finally:
            await consumer.stop()
    return targets
