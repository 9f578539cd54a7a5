"""A new user's mistakes with every command, each run as its own `vestnik` process (the list: tests/cli_mistakes.py).

Kafka is pointed at a local port nothing listens on, so the commands that need it fail at once.
"""

from __future__ import annotations

from pathlib import Path
from typing import get_args

import pytest

from streams.bindings import AGENTS
from tests.cli_mistakes import MISTAKES, Mistake, check, places, run
from vestnik.cli import DeadLetterAgent


@pytest.mark.parametrize("mistake", [m for m in MISTAKES if not m.broker], ids=str)
def test_a_mistake_ends_in_one_clear_line_and_a_failing_status(mistake: Mistake, tmp_path: Path) -> None:
    where = places(tmp_path)
    settings = {"VESTNIK_BOOTSTRAP_SERVERS": "127.0.0.1:CLOSED", "VESTNIK_CACHE_DIR": str(tmp_path / "cache")}
    check(mistake, run(mistake, where, settings), where)


def test_dlq_offers_as_agents_every_name_a_dead_letter_carries() -> None:
    """`--agent` refuses names no dead letter has; it must not refuse one that some have."""
    names = {name for agent in AGENTS for name in agent.stream_names}
    assert "entity-counter" in names and "story-feed" in names
    assert set(get_args(DeadLetterAgent)) == names
