"""At-least-once on the real broker: a worker killed mid-stream loses no event."""

from __future__ import annotations

import asyncio
import hashlib
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from schemas.models import RawPage, utc_now
from streams.codecs import encode
from streams.demo_site import DemoSite
from streams.ids import article_id
from streams.settings import Settings
from tests.integration.harness import ROOT, WorkerProcess, collect, produce, settings_env


def raw_pages(site: DemoSite, count: int) -> list[RawPage]:
    pages = []
    for n in range(count):
        page = site.pages[n % len(site.pages)]
        html = site.document(page)
        url = f"https://replay.example/{n}/{page.path.lstrip('/')}"
        pages.append(RawPage(id=article_id(url), url=url, final_url=url, source="replay", status=200,
                             headers={"content-type": "text/html; charset=utf-8"}, fetched_at=utc_now(),
                             content_sha256=hashlib.sha256(html).hexdigest(), content=html))
    return pages


async def test_killed_cleaner_loses_no_event(kafka_settings: Settings, corpus_dir: Path, tmp_path: Path) -> None:
    # A short session timeout: the killed member's partitions move to the next worker sooner.
    kafka_settings = kafka_settings.model_copy(update={"session_timeout": 8.0})
    site = DemoSite(corpus_dir)
    pages = raw_pages(site, 40)
    expected = {page.id for page in pages}
    await produce(kafka_settings, "raw_pages", [(p.id.encode(), encode(p)) for p in pages])

    first = WorkerProcess(kafka_settings, "cleaner", tmp_path).start()
    try:
        await first.wait_ready()
        partial = await collect(kafka_settings, "clean_articles", lambda ev: len(ev) >= 5, timeout=120)
        assert 5 <= len({e["id"] for e in partial}) < len(expected), "kill must land mid-stream"
    finally:
        first.kill()

    second = WorkerProcess(kafka_settings, "cleaner", tmp_path).start()
    try:
        await second.wait_ready()
        events = await collect(kafka_settings, "clean_articles", lambda ev: {e["id"] for e in ev} >= expected,
                               timeout=180)
        assert {e["id"] for e in events} == expected
    finally:
        second.stop()


async def test_replay_rewinds_a_stopped_group_so_its_workers_reprocess(
    kafka_settings: Settings, corpus_dir: Path, tmp_path: Path
) -> None:
    settings = kafka_settings.model_copy(update={"session_timeout": 8.0})
    before = datetime.now(UTC) - timedelta(seconds=5)
    pages = raw_pages(DemoSite(corpus_dir), 3)
    await produce(settings, "raw_pages", [(p.id.encode(), encode(p)) for p in pages])
    replay = [sys.executable, "-m", "streams.cli", "replay", "--agents", "cleaner",
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
        events = await collect(settings, "clean_articles", lambda ev: len(ev) >= 6)
        assert sorted(e["id"] for e in events) == sorted([p.id for p in pages] * 2)
    finally:
        worker.stop()
