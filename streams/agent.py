"""What an agent is to the runtime, declared by its binding and read by the app, the CLI and the dashboard.

Each binding in `streams/bindings/` ends with one `Agent`: the loops it consumes on (each a consumer
group of its own), the streams it reads through faust (the app's group), the topics it writes, and the
function that binds it to a worker. `streams.bindings.AGENTS` lists them all.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from streams.app import Pipeline


@dataclass(frozen=True)
class Loop:
    """A loop vestnik runs for the agent (`streams.delivery`): its name is its consumer group's suffix and
    what its dead letters name as their agent."""

    name: str
    inputs: tuple[str, ...]  # topic registry keys (streams.topics)


@dataclass(frozen=True)
class TableStream:
    """A faust agent of the binding's, in the app's consumer group: it keeps a table."""

    name: str
    input: str  # a topic registry key


@dataclass(frozen=True)
class Agent:
    name: str
    register: Callable[[Pipeline], None]
    loops: tuple[Loop, ...] = ()
    tables: tuple[TableStream, ...] = ()
    outputs: tuple[str, ...] = ()  # what it writes, its main output first (the dashboard's rate out)
    refeeds_articles: bool = True  # `replay --refeed` copies its first loop's inputs back (articles, not requests)

    def loop(self, name: str) -> Loop:
        return next(loop for loop in self.loops if loop.name == name)

    @property
    def stream_names(self) -> tuple[str, ...]:
        """Every name its dead letters can carry as their agent."""
        return tuple(loop.name for loop in self.loops) + tuple(table.name for table in self.tables)
