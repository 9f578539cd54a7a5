"""Helpers for tests on the real broker: collecting events and waiting (processes: benchmarks.cluster)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

import orjson
from aiokafka import AIOKafkaConsumer

from benchmarks.cluster import ROOT, WorkerProcess, produce, read_all, settings_env
from streams.kafka import client_options
from streams.settings import Settings
from streams.topics import topic_name

__all__ = ["ROOT", "WorkerProcess", "collect", "eventually", "produce", "read_all", "settings_env"]


async def collect(
    settings: Settings,
    topic_key: str,
    until: Callable[[list[dict[str, Any]]], bool],
    timeout: float = 120.0,
) -> list[dict[str, Any]]:
    """Read a topic from the beginning until `until(events)` holds; fail with what arrived after `timeout`."""
    consumer = AIOKafkaConsumer(
        topic_name(settings, topic_key), **client_options(settings), group_id=None,
        auto_offset_reset="earliest", enable_auto_commit=False,
        max_partition_fetch_bytes=settings.max_message_bytes,
    )
    await consumer.start()
    events: list[dict[str, Any]] = []
    try:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            batch = await consumer.getmany(timeout_ms=500)
            for messages in batch.values():
                events.extend(orjson.loads(m.value) for m in messages if m.value is not None)
            if until(events):
                return events
        raise AssertionError(f"{topic_key}: condition not met after {timeout}s; got {len(events)} events")
    finally:
        await consumer.stop()


async def eventually(condition: Callable[[], bool], timeout: float = 60.0, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} not reached after {timeout}s")
        await asyncio.sleep(0.2)
