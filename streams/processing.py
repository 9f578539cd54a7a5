"""Per-event error isolation for the agents that run on faust streams because they keep tables.

The crawler's fetch agent (crawl state) and the entity counter (counts per
window) need faust's changelogged tables, so they consume through faust. faust
acks a message whose agent raised and never sees it again, so each event goes
through `process_events`: an input's failure becomes a dead letter, an
infrastructure failure stops the worker before the event is committed.
The agents that carry articles run on `streams.delivery` instead.
"""

from __future__ import annotations

import asyncio
import logging

import faust

from streams.delivery import Handler, dead_letter, exit_uncommitted
from streams.failures import is_infrastructure
from streams.metrics import Metrics
from streams.publisher import Publisher

log = logging.getLogger(__name__)


async def process_events(
    stream: faust.StreamT, agent: str, publisher: Publisher, handler: Handler, metrics: Metrics,
    max_value_bytes: int,
) -> None:
    async for event in stream.events():
        message = event.message
        where = f"{message.topic}[{message.partition}]@{message.offset}"
        try:
            result = await handler(event.key, event.value)
            await publisher.publish(result.outputs)
            metrics.count(agent, result.outcome)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            if is_infrastructure(exc):
                exit_uncommitted(agent, where, exc)
            log.warning("%s: dead-lettering %s: %s", agent, where, exc)
            try:
                await publisher.publish([dead_letter(agent, message, exc, max_value_bytes)])
            except Exception as letter_error:
                exit_uncommitted(agent, where, letter_error)
            metrics.count(agent, f"dead_letter:{type(exc).__name__}")
