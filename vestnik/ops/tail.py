"""`vestnik tail`: follow a topic and pretty-print its events."""

from __future__ import annotations

import uuid

import orjson
from aiokafka import AIOKafkaConsumer
from rich.console import Console
from rich.json import JSON

from streams.kafka import client_options, topic_partitions
from streams.settings import Settings
from streams.topics import resolve


class TopicNotCreated(LookupError):
    """The topic is in the registry but not on the cluster yet: there is nothing to follow."""


async def tail_topic(settings: Settings, topic: str, *, limit: int = 0, idle_timeout: float = 0.0,
                     from_beginning: bool = True) -> int:
    name, _ = resolve(settings, topic)
    if not await topic_partitions(settings, name):
        # Subscribed to a missing topic, a consumer waits for it, logging a warning per metadata refresh.
        raise TopicNotCreated(f"topic {name} does not exist yet: workers create the topics when they start"
                              " (`vestnik run` or `vestnik worker`)")
    console = Console()
    consumer = AIOKafkaConsumer(
        name,
        **client_options(settings),
        group_id=None,
        client_id=f"vestnik-tail-{uuid.uuid4().hex[:8]}",
        auto_offset_reset="earliest" if from_beginning else "latest",
        enable_auto_commit=False,
        max_partition_fetch_bytes=settings.max_message_bytes,
        fetch_max_bytes=settings.max_message_bytes * 2,
    )
    try:
        await consumer.start()
    except BaseException:
        await consumer.stop()
        raise
    shown, idle = 0, 0.0
    try:
        while not limit or shown < limit:
            batch = await consumer.getmany(timeout_ms=1000)
            if not batch:
                idle += 1.0
                if idle_timeout and idle >= idle_timeout:
                    break
                continue
            idle = 0.0
            for messages in batch.values():
                for message in messages:
                    key = message.key.decode("utf-8", "replace") if message.key else None
                    console.rule(f"{name}[{message.partition}]@{message.offset} key={key}")
                    try:
                        event = orjson.loads(message.value or b"null")
                        console.print(JSON.from_data(_shortened(event)))
                    except orjson.JSONDecodeError:
                        console.print(repr(message.value[:500] if message.value else message.value))
                    shown += 1
                    if limit and shown >= limit:
                        return shown
        return shown
    finally:
        await consumer.stop()


def _shortened(value: object, limit: int = 600) -> object:
    """Page bytes and dead-lettered values can be megabytes: show their size instead."""
    if isinstance(value, str) and len(value) > limit:
        return f"{value[:80]}… <{len(value)} characters>"
    if isinstance(value, dict):
        return {key: _shortened(item, limit) for key, item in value.items()}
    if isinstance(value, list):
        return [_shortened(item, limit) for item in value]
    return value
