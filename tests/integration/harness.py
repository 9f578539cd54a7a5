"""Helpers for tests on the real broker: collecting events and waiting (processes: vestnik.benchmarks.cluster)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

import orjson
from aiohttp import web
from aiokafka import AIOKafkaConsumer

from streams.kafka import client_options
from streams.settings import Settings
from streams.topics import topic_name
from vestnik.benchmarks.cluster import ROOT, WorkerProcess, produce, read_all, settings_env

__all__ = ["ROOT", "LocalSite", "WorkerProcess", "collect", "eventually", "produce", "read_all", "settings_env"]


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


class LocalSite:
    """An HTTP site on 127.0.0.1 on a free port, for the crawler: subclasses answer in `_handle`."""

    def __init__(self) -> None:
        self.base_url = ""
        self._runner: web.AppRunner | None = None

    async def _handle(self, request: web.Request) -> web.Response:
        raise NotImplementedError

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        host, port = self._runner.addresses[0][:2]
        self.base_url = f"http://{host}:{port}"

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
