"""Worker processes and topic I/O on a real cluster, for the tests and the chaos run."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import orjson
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from streams.kafka import client_options, ensure_topics, topic_partitions
from streams.settings import Settings
from streams.topics import topic_name

ROOT = Path(__file__).resolve().parents[2]


def settings_env(settings: Settings) -> dict[str, str]:
    """The environment that makes a child process build exactly these settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("VESTNIK_")}
    env.update(settings.environment())
    env["PYTHONUNBUFFERED"] = "1"
    return env


class WorkerProcess:
    """`vestnik worker` in a child process, as it runs in production."""

    def __init__(self, settings: Settings, agents: str, log_dir: Path) -> None:
        self.settings = settings
        self.agents = agents
        self.log_path = log_dir / f"worker-{agents.replace(',', '-')}-{uuid.uuid4().hex[:6]}.log"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> WorkerProcess:
        log = self.log_path.open("wb")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "vestnik.cli", "worker", "--agents", self.agents],
            cwd=ROOT, env=settings_env(self.settings), stdout=log, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, start_new_session=True,
        )
        log.close()
        return self

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    async def wait_ready(self, timeout: float = 90.0) -> None:
        """Wait until the worker has joined its group and its agents consume."""
        assert self.proc is not None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"worker exited with {self.proc.returncode}:\n{self.log()[-5000:]}")
            if "Ready" in self.log():
                return
            await asyncio.sleep(0.3)
        raise AssertionError(f"worker not ready after {timeout}s:\n{self.log()[-5000:]}")

    def stop(self, timeout: float = 30.0) -> int | None:
        if self.proc is None or self.proc.poll() is not None:
            return self.proc.returncode if self.proc else None
        self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            return self.kill()

    def kill(self) -> int:
        assert self.proc is not None
        os.killpg(self.proc.pid, signal.SIGKILL)
        return self.proc.wait(10)


async def produce(settings: Settings, topic_key: str, messages: list[tuple[bytes | None, bytes | None]]) -> None:
    await ensure_topics(settings)
    producer = AIOKafkaProducer(**client_options(settings), max_request_size=settings.max_message_bytes,
                                enable_idempotence=True)
    await producer.start()
    try:
        for key, value in messages:
            await producer.send_and_wait(topic_name(settings, topic_key), value=value, key=key)
    finally:
        await producer.stop()


async def read_all(settings: Settings, topic_key: str) -> list[dict[str, Any]]:
    """Every event a topic holds now: read each partition up to its end offset."""
    consumer = AIOKafkaConsumer(
        **client_options(settings), group_id=None, enable_auto_commit=False,
        max_partition_fetch_bytes=settings.max_message_bytes,
    )
    await consumer.start()
    try:
        partitions = await topic_partitions(settings, topic_name(settings, topic_key))
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        ends = await consumer.end_offsets(partitions)
        events: list[dict[str, Any]] = []
        while [tp for tp in partitions if await consumer.position(tp) < ends[tp]]:
            batch = await consumer.getmany(timeout_ms=500)
            for messages in batch.values():
                events.extend(orjson.loads(m.value) for m in messages if m.value is not None)
        return events
    finally:
        await consumer.stop()
