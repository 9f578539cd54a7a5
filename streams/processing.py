"""Per-event error isolation and delivery-confirmed publishing, shared by all agents.

faust acks a message whose agent raised and never sees it again, so every
agent runs its handler through `process_events`: a failure becomes a dead
letter with the reason and where the message came from, and the stream goes on.
When Kafka itself fails (an output or a dead letter cannot be published), the
worker stops before the event is committed, and a restart processes it again.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Awaitable, Callable, Sequence
from typing import NoReturn

import faust
from aiokafka.errors import KafkaError

from schemas.models import DeadLetter, Event, utc_now
from streams.codecs import encode
from streams.metrics import Metrics

log = logging.getLogger(__name__)

EXIT_KAFKA_UNAVAILABLE = 75  # EX_TEMPFAIL: a supervisor (compose, systemd, k8s) restarts the worker

Handler = Callable[[bytes | None, bytes | None], Awaitable[str | None]]
"""Takes a message's key and value; returns the outcome to count (None counts as "ok")."""


async def publish(topic: faust.types.TopicT, key: str, event: Event) -> None:
    """Send and wait for the broker's ack, so an offset is committed only after its output exists."""
    delivery = await topic.send(key=key.encode("utf-8"), value=encode(event))
    await delivery


async def publish_all(topic: faust.types.TopicT, events: Sequence[tuple[str, Event]]) -> None:
    """Send a batch, then wait for every ack: one round trip instead of one per event."""
    deliveries = [await topic.send(key=key.encode("utf-8"), value=encode(event)) for key, event in events]
    await asyncio.gather(*deliveries)


async def dead_letter(
    topic: faust.types.TopicT, agent: str, event: faust.types.EventT, exc: BaseException, max_value_bytes: int
) -> None:
    """Record a failed input; a value too large to carry is left out (its offset still finds it)."""
    message = event.message
    size = len(message.value or b"")
    letter = DeadLetter(
        agent=agent,
        reason=str(exc) or repr(exc),
        error_type=type(exc).__name__,
        source_topic=message.topic,
        partition=message.partition,
        offset=message.offset,
        key=message.key,
        value=message.value if size <= max_value_bytes else None,
        value_size=size,
        failed_at=utc_now(),
    )
    await publish(topic, f"{message.topic}/{message.partition}/{message.offset}", letter)


async def process_events(
    stream: faust.StreamT,
    agent: str,
    dead_letters: faust.types.TopicT,
    handler: Handler,
    metrics: Metrics,
    max_value_bytes: int,
) -> None:
    async for event in stream.events():
        where = f"{event.message.topic}[{event.message.partition}]@{event.message.offset}"
        try:
            outcome = await handler(event.key, event.value)
            metrics.count(agent, outcome or "ok")
        except asyncio.CancelledError:
            raise
        except KafkaError as exc:
            stop_without_commit(agent, where, exc)
        except Exception as exc:
            log.warning("%s: dead-lettering %s: %s", agent, where, exc)
            try:
                await dead_letter(dead_letters, agent, event, exc, max_value_bytes)
            except Exception as letter_error:
                stop_without_commit(agent, where, letter_error)
            metrics.count(agent, f"dead_letter:{type(exc).__name__}")


def stop_without_commit(agent: str, where: str, exc: BaseException) -> NoReturn:
    """The cluster failed us, not the input: exit at once, before faust can ack and commit the event.

    An agent that raises would be restarted by faust with the event acked (lost); a process that
    exits leaves the offset uncommitted, so the restarted worker processes the event again.
    """
    log.critical("%s: cannot publish for %s (%r); stopping the worker so the event is redelivered",
                 agent, where, exc)
    logging.shutdown()
    os._exit(EXIT_KAFKA_UNAVAILABLE)
