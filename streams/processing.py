"""Per-event error isolation and delivery-confirmed publishing, shared by all agents.

faust acks a message whose agent raised and never sees it again, so every
agent runs its handler through `process_events`: a failure becomes a dead
letter with the reason and where the message came from, and the stream goes on.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence

import faust

from schemas.models import DeadLetter, Event, utc_now
from streams.codecs import encode
from streams.metrics import Metrics

log = logging.getLogger(__name__)

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
        try:
            outcome = await handler(event.key, event.value)
            metrics.count(agent, outcome or "ok")
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.warning("%s: dead-lettering %s[%d]@%d: %s", agent, event.message.topic,
                        event.message.partition, event.message.offset, exc)
            await dead_letter(dead_letters, agent, event, exc, max_value_bytes)
            metrics.count(agent, f"dead_letter:{type(exc).__name__}")
