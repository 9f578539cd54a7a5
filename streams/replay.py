"""Backfill: move an agent set's consumer group back to a point in time, so its workers reprocess.

Kafka only lets a group's offsets be set while the group has no live member:
stop the workers, rewind, start them again. Outputs are keyed by article id
on compacted topics, so reprocessing replaces rather than duplicates.
"""

from __future__ import annotations

from datetime import datetime

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.structs import OffsetAndMetadata

from streams.app import INPUT_TOPICS, group_id
from streams.kafka import client_options
from streams.settings import Settings
from streams.topics import topic_name


class ReplayError(RuntimeError):
    """The group cannot be rewound now (e.g. workers of it are still running)."""


async def rewind(settings: Settings, agents: list[str], since: datetime) -> dict[TopicPartition, int]:
    """Set the group of `agents` to the first offset at or after `since` on each input partition."""
    group = group_id(settings, agents)
    topics = [topic_name(settings, key) for name in agents for key in INPUT_TOPICS[name]]
    admin = AIOKafkaAdminClient(**client_options(settings))
    await admin.start()
    try:
        described = await admin.describe_consumer_groups([group])
        error_code, _, state, _, _, members = described[0].groups[0][:6]
        if error_code:
            raise ReplayError(f"cannot describe group {group}: Kafka error code {error_code}")
        if members or state not in ("Empty", "Dead", ""):
            raise ReplayError(f"group {group} is {state} with {len(members)} live member(s): stop its workers first")
        partitions = [
            TopicPartition(topic["topic"], partition["partition"])
            for topic in await admin.describe_topics(topics)
            for partition in topic["partitions"]
        ]
    finally:
        await admin.close()
    consumer = AIOKafkaConsumer(**client_options(settings), group_id=group, enable_auto_commit=False)
    await consumer.start()
    try:
        consumer.assign(partitions)
        found = await consumer.offsets_for_times({tp: int(since.timestamp() * 1000) for tp in partitions})
        ends = await consumer.end_offsets(partitions)
        targets = {tp: (found[tp].offset if found[tp] is not None else ends[tp]) for tp in partitions}
        await consumer.commit({tp: OffsetAndMetadata(offset, "") for tp, offset in targets.items()})
        return targets
    finally:
        await consumer.stop()

