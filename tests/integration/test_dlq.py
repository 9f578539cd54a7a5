"""`vestnik dlq` on the real broker: a dead letter listed, requeued with a count, refused as poison, forced."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition
from typer.testing import CliRunner

from streams.kafka import client_options
from streams.settings import Settings
from streams.topics import topic_name
from tests.integration.harness import WorkerProcess, collect, produce, settings_env
from vestnik.cli import cli
from vestnik.ops.dlq import FROM_HEADER, REQUEUES_HEADER

BROKEN = (b"broken", b"{not json")
# Not JSON either, and too large to ride in its dead letter: requeue re-reads it at its origin.
HUGE = (b"huge", b"{" + b"x" * 800_000)


async def vestnik(settings: Settings, *args: str) -> str:
    """Run `vestnik ARGS` in this process with the test's settings as its environment; return its output."""
    env: dict[str, str | None] = {name: None for name in os.environ if name.startswith("VESTNIK_")}
    env.update({k: v for k, v in settings_env(settings).items() if k.startswith("VESTNIK_")})
    env["COLUMNS"] = "200"
    # The command runs its own event loop (asyncio.run), so off this one.
    result = await asyncio.to_thread(CliRunner().invoke, cli, list(args), env=env)
    assert result.exit_code == 0, f"vestnik {' '.join(args)} failed:\n{result.output}\n{result.exception!r}"
    return result.output


async def raw_records(settings: Settings) -> list[ConsumerRecord[bytes, bytes]]:
    """Every message on raw-pages now, with its headers."""
    consumer = AIOKafkaConsumer(**client_options(settings), group_id=None, enable_auto_commit=False,
                                max_partition_fetch_bytes=settings.max_message_bytes)
    await consumer.start()
    try:
        tp = TopicPartition(topic_name(settings, "raw_pages"), 0)
        consumer.assign([tp])
        await consumer.seek_to_beginning(tp)
        end = (await consumer.end_offsets([tp]))[tp]
        records: list[ConsumerRecord[bytes, bytes]] = []
        while await consumer.position(tp) < end:
            records.extend((await consumer.getmany(tp, timeout_ms=500)).get(tp, []))
        return [r for r in records if r.offset < end]
    finally:
        await consumer.stop()


def headers(record: ConsumerRecord[bytes, bytes]) -> dict[str, bytes]:
    return {name: bytes(value) for name, value in record.headers}


async def test_dead_letters_are_listed_requeued_counted_and_refused_as_poison(
    kafka_settings: Settings, tmp_path: Path
) -> None:
    # One partition keeps offsets predictable; 1 MB messages make an 800 kB value too large to carry.
    settings = kafka_settings.model_copy(update={"topic_partitions": 1, "max_message_bytes": 1024 * 1024,
                                                 "max_page_bytes": 600_000})
    raw = topic_name(settings, "raw_pages")
    await produce(settings, "raw_pages", [BROKEN, HUGE])

    worker = WorkerProcess(settings, "cleaner", tmp_path).start()
    try:
        await worker.wait_ready()
        await collect(settings, "dead_letters", lambda ev: len(ev) >= 2)

        listed = await vestnik(settings, "dlq", "list")
        assert "2 shown of 2 dead letters" in listed, listed
        for part in ["DecodeError: raw_page.v1: not JSON", "cleaner", f"{raw}[0]@0", f"{raw}[0]@1", "{not json",
                     "(800001 bytes, not carried)"]:
            assert part in listed, (part, listed)
        assert "0 shown of 2" in await vestnik(settings, "dlq", "list", "--agent", "annotator")
        assert "1 shown of 2" in await vestnik(settings, "dlq", "list", "--reason", "NOT JSON", "--limit", "1")

        shown = await vestnik(settings, "dlq", "show", "broken")
        assert f"id          {raw}/0/0" in shown and "requeues    0" in shown and "payload     {not json" in shown

        dry = await vestnik(settings, "dlq", "requeue", "--dry-run")
        assert "would requeue 2, refused 0 as poison, skipped 0" in dry, dry
        assert len(await raw_records(settings)) == 2  # nothing sent

        done = await vestnik(settings, "dlq", "requeue")
        assert "requeued 2, refused 0 as poison, skipped 0" in done, done
        records = await raw_records(settings)
        assert [(r.key, r.value) for r in records[2:]] == [BROKEN, HUGE]  # the huge one re-read at its origin
        assert [headers(r) for r in records[2:]] == [
            {REQUEUES_HEADER: b"1", FROM_HEADER: f"{raw}/0/0".encode()},
            {REQUEUES_HEADER: b"1", FROM_HEADER: f"{raw}/0/1".encode()},
        ]

        # The cleaner fails on the copies again; their dead letters know they were requeued once.
        await collect(settings, "dead_letters", lambda ev: len(ev) >= 4)
        again = await vestnik(settings, "dlq", "show", "raw-pages/0/2")
        assert "requeues    1 (requeued from" in again and f"{raw}/0/0" in again, again
        assert f"settled     requeued, and failed again as {raw}/0/2" in await vestnik(settings, "dlq", "show",
                                                                                          f"{raw}[0]@0")

        refused = await vestnik(settings, "dlq", "requeue", "--max-requeues", "1")
        assert "requeued 0, refused 2 as poison, skipped 2" in refused, refused
        assert f"poison        {raw}/0/2: requeued 1 time already (limit 1)" in refused, refused
        assert len(await raw_records(settings)) == 4

        forced = await vestnik(settings, "dlq", "requeue", "--max-requeues", "1", "--force", "--reason", "not json")
        assert "requeued 2, refused 0 as poison, skipped 2" in forced, forced
        records = await raw_records(settings)
        assert [(r.key, r.value) for r in records[4:]] == [BROKEN, HUGE]
        assert [headers(r) for r in records[4:]] == [
            {REQUEUES_HEADER: b"2", FROM_HEADER: f"{raw}/0/2".encode()},
            {REQUEUES_HEADER: b"2", FROM_HEADER: f"{raw}/0/3".encode()},
        ]
    finally:
        worker.stop()
