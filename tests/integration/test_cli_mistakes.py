"""A new user's mistakes that need a broker to be made, each run as its own `vestnik` process.

The list is tests/cli_mistakes.py (the rows marked `broker`); here they meet the test broker with topic
names no worker has created yet. A `replay --since` in the future is followed further: refused, it
leaves the group where it was, and with --force it does what was asked.
"""

from __future__ import annotations

import asyncio
from functools import partial
from pathlib import Path

import pytest
from aiokafka.admin import AIOKafkaAdminClient

from streams.app import loop_group
from streams.kafka import client_options, coordinated
from streams.settings import Settings
from tests.cli_mistakes import MISTAKES, USAGE_ERROR, Mistake, check, mistake, places, run
from tests.integration.harness import produce


@pytest.mark.parametrize("mistake", [m for m in MISTAKES if m.broker], ids=str)
def test_a_mistake_on_the_broker_ends_in_one_clear_line(mistake: Mistake, kafka_settings: Settings,
                                                       tmp_path: Path) -> None:
    where = places(tmp_path)
    check(mistake, run(mistake, where, kafka_settings.environment()), where)


async def committed(settings: Settings, group: str) -> dict[int, int]:
    admin = AIOKafkaAdminClient(**client_options(settings))
    await admin.start()
    try:
        offsets = await coordinated(partial(admin.list_consumer_group_offsets, group))
    finally:
        await admin.close()
    return {tp.partition: meta.offset for tp, meta in offsets.items()}


async def test_a_replay_from_the_future_is_refused_unless_forced(kafka_settings: Settings, tmp_path: Path) -> None:
    settings = kafka_settings
    await produce(settings, "raw_pages", [(f"page-{n}".encode(), b"{}") for n in range(6)])
    group = loop_group(settings, "cleaner")
    where, env = places(tmp_path), settings.environment()
    future = mistake("replay --agents cleaner --since 2099-01-01", "is in the future: every partition would move to"
                     " its end and the input not yet processed would be skipped; give --force")

    refused = await asyncio.to_thread(run, future, where, env)
    check(future, refused, where)
    assert refused.returncode == USAGE_ERROR
    assert await committed(settings, group) == {}, "a refused replay moved the group"

    forced = mistake("replay --agents cleaner --since 2099-01-01 --force", "")
    done = await asyncio.to_thread(run, forced, where, env)
    assert done.returncode == 0, done.stderr
    assert "rewound 2 partitions to 2099-01-01T00:00:00+00:00" in done.stdout, done.stdout
    assert sum((await committed(settings, group)).values()) == 6, "forced, the group moves to the end"
