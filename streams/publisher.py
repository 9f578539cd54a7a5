"""Publishing that an offset commit can trust: every output acknowledged by the broker, or an error.

One idempotent aiokafka producer per worker (acks from all in-sync replicas).
A failed send is the cluster's fault, so the whole set of outputs is sent again
with backoff until `publish_timeout`; the duplicates this may make carry the
same keys and ids, which is what at-least-once with idempotent ids means.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Sequence
from dataclasses import dataclass

from aiokafka import AIOKafkaProducer

from schemas.models import Event
from streams.codecs import encode
from streams.failures import PublishFailed, is_infrastructure
from streams.kafka import client_options
from streams.settings import Settings
from streams.topics import topic_name

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Output:
    """One event to publish: the registry key of its topic, its message key, the event.

    No event is a tombstone (compacted topics). A partition, when given, overrides the key's:
    state kept beside the partition of the input that wrote it.
    """

    topic: str
    key: str
    event: Event | None
    partition: int | None = None


async def _acknowledged(deliveries: list[asyncio.Future[object]], timeout: float) -> None:
    """Wait for every delivery within `timeout`; raise the first failure, or PublishFailed when time is up."""
    done, waiting = await asyncio.wait(deliveries, timeout=max(0.0, timeout)) if deliveries else (set(), set())
    for delivery in done:
        delivery.result()
    if waiting:
        raise PublishFailed(f"{len(waiting)} output(s) not acknowledged in time: the broker did not answer")


class Publisher:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._producer: AIOKafkaProducer | None = None

    async def start(self) -> None:
        producer = AIOKafkaProducer(
            **client_options(self.settings),
            enable_idempotence=True,
            acks="all",
            compression_type="zstd",
            max_request_size=self.settings.max_message_bytes,
            linger_ms=5,
            request_timeout_ms=int(min(30.0, self.settings.publish_timeout) * 1000),
        )
        await producer.start()
        self._producer = producer

    async def stop(self) -> None:
        if self._producer is not None:
            await self._producer.stop()
            self._producer = None

    async def publish(self, outputs: Sequence[Output]) -> None:
        """Send every output and wait for every ack; raise PublishFailed once the retry window is spent."""
        if not outputs:
            return
        assert self._producer is not None, "Publisher.start() first"
        messages = [(topic_name(self.settings, o.topic), o.key.encode("utf-8"),
                     None if o.event is None else encode(o.event), o.partition) for o in outputs]
        deadline = time.monotonic() + self.settings.publish_timeout
        attempt = 0
        while True:
            try:
                deliveries = [await self._producer.send(topic, value=value, key=key, partition=partition)
                              for topic, key, value, partition in messages]
                # An idempotent producer may keep a batch for a broker that went away: wait no longer than we may.
                await _acknowledged(deliveries, deadline - time.monotonic())
                return
            except Exception as exc:
                if not is_infrastructure(exc):
                    raise
                attempt += 1
                if time.monotonic() >= deadline:
                    raise PublishFailed(f"{len(messages)} output(s) not acknowledged within "
                                        f"{self.settings.publish_timeout:.0f}s: {exc!r}") from exc
                pause = min(5.0, 0.2 * 2**attempt) * random.uniform(0.5, 1.0)
                log.warning("publishing %d output(s) failed (%r); sending again in %.1fs", len(messages), exc, pause)
                await asyncio.sleep(pause)
