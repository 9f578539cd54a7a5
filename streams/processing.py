"""Per-event error isolation for the agents that run on faust streams because they keep tables.

The crawler's fetch agent (crawl state) and the entity counter (counts per
window) need faust's changelogged tables, so they consume through faust. faust
acks a message whose agent raised and never sees it again, so each event goes
through the same `handle_input` as the loops: an input's failure becomes a dead
letter, an infrastructure failure is retried, then stops the worker before the
event is committed.
The agents that carry articles run on `streams.delivery` instead.
"""

from __future__ import annotations

from typing import cast

import faust

from agents.common.tasks import BoundedTasks
from streams.delivery import Abandoned, Handler, handle_input
from streams.metrics import Metrics
from streams.publisher import Publisher
from streams.settings import Settings


async def process_events(
    stream: faust.StreamT, agent: str, publisher: Publisher, handler: Handler, metrics: Metrics, settings: Settings
) -> None:
    async for event in stream.events():
        await handle_input(agent, event.message, handler, publisher, metrics, settings)


async def process_events_concurrently(
    stream: faust.StreamT, agent: str, publisher: Publisher, handler: Handler, metrics: Metrics, settings: Settings,
    limit: int,
) -> None:
    """As `process_events`, with up to `limit` events handled at once, each acknowledged when it is done.

    For the crawler: an event can wait seconds for its host's turn, and the others
    must not wait behind it. faust commits an offset only once every event before
    it is acknowledged, so an event still in hand holds back its partition's commit.
    Each event's task starts inside the stream's iteration and so keeps that event
    as faust's current event: its table writes go to the event's partition.
    """
    stream = cast(faust.Stream, stream).noack()
    jobs = BoundedTasks(limit)

    async def handle(event: faust.types.EventT) -> None:
        try:
            await handle_input(agent, event.message, handler, publisher, metrics, settings)
        except Abandoned:
            return  # the worker is stopping: the event stays unacknowledged, for the next owner
        await stream.ack(event)

    try:
        async for event in stream.events():
            await jobs.submit(handle(event))
    finally:
        await jobs.cancel()
