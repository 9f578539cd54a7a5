"""A new user's mistakes with every command, each run as its own `vestnik` process (the list: tests/cli_mistakes.py).

Kafka is pointed at a local port nothing listens on, so the commands that need it fail at once.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import get_args

import pytest

from streams.app import AGENT_LOOPS
from tests.cli_mistakes import MISTAKES, ROOT, Mistake, check, places, run
from vestnik.cli import DeadLetterAgent


@pytest.mark.parametrize("mistake", [m for m in MISTAKES if not m.broker], ids=str)
def test_a_mistake_ends_in_one_clear_line_and_a_failing_status(mistake: Mistake, tmp_path: Path) -> None:
    where = places(tmp_path)
    settings = {"VESTNIK_BOOTSTRAP_SERVERS": "127.0.0.1:CLOSED", "VESTNIK_CACHE_DIR": str(tmp_path / "cache")}
    check(mistake, run(mistake, where, settings), where)


def test_dlq_offers_as_agents_every_name_a_dead_letter_carries() -> None:
    """`--agent` refuses names no dead letter has; it must not refuse one that some have."""
    loops = {loop for names in AGENT_LOOPS.values() for loop in names}
    bindings = "".join(path.read_text(encoding="utf-8") for path in (ROOT / "streams" / "bindings").glob("*.py"))
    faust_streams = set(re.findall(r'\.process(?:_concurrently)?\(stream, "([\w-]+)"', bindings))
    assert faust_streams, "the faust streams' names were not found in streams/bindings"
    assert set(get_args(DeadLetterAgent)) == loops | faust_streams
