"""Per-event error isolation for the one agent that runs on a faust stream: the entity counter.

It counts mentions in windowed, changelogged faust tables, which need faust's
consumer. faust acks a message whose agent raised and never sees it again, so
each event goes through the same `handle_input` as the loops: an input's failure
becomes a dead letter, an infrastructure failure is retried, then stops the
worker before the event is committed. One event at a time, so faust acks in
offset order. What faust itself may still skip (the README says when): buffered
events dropped at a rebalance while its read position stays ahead of them. A
count is a window's view, and the mentions stay in `entity-mentions` for 90
days. Everything that carries articles or requests runs on `streams.delivery`.
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
