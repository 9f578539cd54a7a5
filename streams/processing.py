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

import faust

from streams.delivery import Handler, handle_input
from streams.metrics import Metrics
from streams.publisher import Publisher
from streams.settings import Settings


async def process_events(
    stream: faust.StreamT, agent: str, publisher: Publisher, handler: Handler, metrics: Metrics, settings: Settings
) -> None:
    async for event in stream.events():
        await handle_input(agent, event.message, handler, publisher, metrics, settings)
