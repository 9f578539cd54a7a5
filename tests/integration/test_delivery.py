"""At-least-once on the real broker: killed workers, a restarted broker, SIGTERM mid-event, a late broker,
a broker gone for longer than a worker waits.

Each test asserts that every input id reaches its output topic (duplicates with the
same id are allowed) and that no valid input is dead-lettered, and prints the counts.
"""

from __future__ import annotations

import asyncio
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from streams.codecs import encode
from streams.settings import Settings
from tests.integration.harness import ROOT, WorkerProcess, collect, produce, read_all, settings_env
from tests.integration.test_annotator_burst import long_articles
from tests.pages import page_corpus, saved_pages
from vestnik.benchmarks.chaos import Plan, Report, chaos, corpus_pages, raw_pages
from vestnik.ops.broker import EmbeddedBroker


@pytest.fixture(scope="session")
def pages(tmp_path_factory: pytest.TempPathFactory) -> list[tuple[str, bytes]]:
    accepted = corpus_pages(page_corpus(tmp_path_factory.mktemp("pages")))
    assert len(accepted) == len(saved_pages()), "every saved page goes through when nothing fails"
    return accepted


@pytest.fixture
def settings(kafka_settings: Settings) -> Settings:
    # Short timeouts: a killed member's partitions move on sooner, and a rebalance waits less.
    return kafka_settings.model_copy(update={
        "session_timeout": 8.0, "topic_partitions": 4, "cpu_job_timeout": 30.0, "publish_timeout": 60.0,
        "web_enabled": False,
    })


def broker_of(kafka_broker: EmbeddedBroker | None) -> EmbeddedBroker:
    if kafka_broker is None:
        pytest.fail("broker restarts need the embedded test broker (unset VESTNIK_TEST_BOOTSTRAP_SERVERS)")
    return kafka_broker


def check(report: Report) -> None:
    print(f"\n{report.line()}")
    assert report.lost == 0, f"lost {report.lost} of {report.sent}: {report.lost_ids[:10]}"
    assert report.dead_lettered == 0, report.dead_letter_reasons[:5]
    assert report.enriched == report.sent


async def test_killed_workers_lose_no_article(settings: Settings, pages: list[tuple[str, bytes]],
                                             tmp_path: Path) -> None:
    plan = Plan(articles=500, workers=2, kills=4, kill_every=3.0, broker_restarts=0, deadline=420)
    report = await chaos(settings, plan, pages, tmp_path, say=False)
    assert report.kills == plan.kills, "every kill must land mid-stream"
    check(report)


async def test_broker_restart_mid_stream_loses_no_article(settings: Settings, pages: list[tuple[str, bytes]],
                                                         kafka_broker: EmbeddedBroker | None, tmp_path: Path) -> None:
    plan = Plan(articles=200, workers=2, kills=0, broker_restarts=1, broker_down=8.0, deadline=420)
    report = await chaos(settings, plan, pages, tmp_path, broker=broker_of(kafka_broker), say=False)
    assert report.broker_restarts == 1
    check(report)


async def test_sigterm_during_an_event_abandons_it_uncommitted(settings: Settings, tmp_path: Path) -> None:
    # Long articles take seconds each; a grace period shorter than that abandons the one in flight.
    settings = settings.model_copy(update={"stop_grace": 0.5})
    articles = long_articles(6)
    expected = {a.id for a in articles}
    await produce(settings, "clean_articles", [(a.id.encode(), encode(a)) for a in articles])
    first = WorkerProcess(settings, "annotator", tmp_path).start()
    try:
        await first.wait_ready()
        partial = await collect(settings, "enriched_articles", lambda ev: len(ev) >= 1, timeout=120)
        assert len({e["id"] for e in partial}) < len(expected), "SIGTERM must land mid-stream"
        began = asyncio.get_running_loop().time()
        assert first.stop(timeout=40) == 0, first.log()[-3000:]
        print(f"\nstopped in {asyncio.get_running_loop().time() - began:.1f}s")
        assert "abandoning them uncommitted" in first.log()
    finally:
        first.kill() if first.proc and first.proc.poll() is None else None

    second = WorkerProcess(settings, "annotator", tmp_path).start()
    try:
        await second.wait_ready()
        events = await collect(settings, "enriched_articles", lambda ev: {e["id"] for e in ev} >= expected,
                               timeout=240)
        assert {e["id"] for e in events} == expected
        assert await read_all(settings, "dead_letters") == []
        print(f"sent={len(expected)} enriched={len({e['id'] for e in events})} events={len(events)}")
    finally:
        second.stop()


async def test_a_worker_started_before_its_broker_waits_for_it(
    settings: Settings, pages: list[tuple[str, bytes]], kafka_broker: EmbeddedBroker | None, tmp_path: Path
) -> None:
    broker = broker_of(kafka_broker)
    events = raw_pages(pages, 20, settings.app_id)
    await produce(settings, "raw_pages", [(e.id.encode(), encode(e)) for e in events])
    await asyncio.to_thread(broker.stop)
    worker = WorkerProcess(settings, "cleaner,annotator", tmp_path).start()
    try:
        await asyncio.sleep(6)
        assert worker.proc is not None and worker.proc.poll() is None, worker.log()[-3000:]
        await asyncio.to_thread(broker.start)
        got = await collect(settings, "enriched_articles", lambda ev: {e["id"] for e in ev} >= {e.id for e in events},
                            timeout=240)
        assert await read_all(settings, "dead_letters") == []
        print(f"\nsent={len(events)} enriched={len({e['id'] for e in got})} events={len(got)}")
    finally:
        await asyncio.to_thread(broker.start)  # whatever happened, later tests need the broker
        worker.stop()


async def test_publishing_that_keeps_failing_exits_75_uncommitted(
    settings: Settings, pages: list[tuple[str, bytes]], kafka_broker: EmbeddedBroker | None, tmp_path: Path
) -> None:
    broker = broker_of(kafka_broker)
    settings = settings.model_copy(update={"publish_timeout": 4.0})
    # Enough input that the worker is still publishing when the broker goes away.
    events = raw_pages(pages, 400, settings.app_id)
    expected = {e.id for e in events}
    await produce(settings, "raw_pages", [(e.id.encode(), encode(e)) for e in events])
    first = WorkerProcess(settings, "cleaner,annotator", tmp_path).start()
    try:
        await first.wait_ready()
        await collect(settings, "enriched_articles", lambda ev: len(ev) >= 1, timeout=120)
        await asyncio.to_thread(broker.stop)
        assert first.proc is not None
        code = await asyncio.to_thread(first.proc.wait, 90)
        assert code == 75, first.log()[-3000:]
        assert "giving up on" in first.log() and "uncommitted, so that it is redelivered" in first.log()
    finally:
        await asyncio.to_thread(broker.start)
        if first.proc and first.proc.poll() is None:
            first.kill()
    second = WorkerProcess(settings, "cleaner,annotator", tmp_path).start()
    try:
        got = await collect(settings, "enriched_articles", lambda ev: {e["id"] for e in ev} >= expected, timeout=240)
        assert await read_all(settings, "dead_letters") == []
        print(f"\nsent={len(expected)} enriched={len({e['id'] for e in got})} events={len(got)}")
    finally:
        second.stop()


async def test_replay_rewinds_stopped_groups_so_their_workers_reprocess(
    settings: Settings, pages: list[tuple[str, bytes]], tmp_path: Path
) -> None:
    before = datetime.now(UTC) - timedelta(seconds=5)
    events = raw_pages(pages, 3, settings.app_id)
    await produce(settings, "raw_pages", [(e.id.encode(), encode(e)) for e in events])
    replay = [sys.executable, "-m", "vestnik.cli", "replay", "--agents", "cleaner",
              "--since", before.strftime("%Y-%m-%dT%H:%M:%S")]

    async def run_replay() -> tuple[int, str]:
        proc = await asyncio.create_subprocess_exec(*replay, cwd=ROOT, env=settings_env(settings),
                                                    stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
        out, _ = await asyncio.wait_for(proc.communicate(), 60)
        return proc.returncode or 0, out.decode()

    worker = WorkerProcess(settings, "cleaner", tmp_path).start()
    try:
        await worker.wait_ready()
        await collect(settings, "clean_articles", lambda ev: len(ev) >= 3)
        code, out = await run_replay()
        assert code == 1 and "live member" in out, "a running group must not be rewound under its workers"
    finally:
        assert worker.stop() == 0

    code, out = await run_replay()
    assert code == 0, out
    worker = WorkerProcess(settings, "cleaner", tmp_path).start()
    try:
        await worker.wait_ready()
        cleaned = await collect(settings, "clean_articles", lambda ev: len(ev) >= 6)
        assert sorted(e["id"] for e in cleaned) == sorted([e.id for e in events] * 2)
    finally:
        worker.stop()
