"""The agents' Faust bindings: each wires an agent's core (in `agents/`) to its topics, tables and CPU pool,
and ends with its `Agent` description (streams.agent); `AGENTS` is all of them, in pipeline order.

They sit on top of the platform (`streams`) and the cores; the app reads `AGENTS`. Their imports stay
light (the cores' heavy stacks load in CPU processes, or when an agent registers), so that listing the
agents costs a worker or a command little.
"""

from __future__ import annotations

from streams.agent import Agent
from streams.bindings import annotator, cleaner, crawler, stories

AGENTS: tuple[Agent, ...] = (crawler.AGENT, cleaner.AGENT, annotator.AGENT, stories.AGENT)
