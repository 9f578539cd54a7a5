"""Backfill you can watch, on the real broker: re-feeding a window to running workers, lag and its rate."""

from __future__ import annotations

import asyncio
import hashlib
import subprocess
import sys
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

from agents.common.ids import article_id
from schemas.models import RawPage, utc_now
from streams.codecs import encode
from streams.settings import Settings
from tests.integration.harness import WorkerProcess, collect, produce, settings_env
from vestnik.benchmarks.cluster import ROOT
from vestnik.ops.lag import positions, progress_lines
from vestnik.ops.replay import refeed


def page(n: int, prefix: str, words: str) -> RawPage:
    url = f"https://backfill.example/{prefix}/{n}.html"
    html = (f"<html><body><article><h1>Новость {n}</h1>" + f"<p>{words} Москва, Россия, номер {n}.</p>" * 6
            + "</article></body></html>").encode()
    return RawPage(id=article_id(url), url=url, final_url=url, source="test", status=200,
                   headers={"content-type": "text/html; charset=utf-8"}, fetched_at=utc_now(),
                   content_sha256=hashlib.sha256(html).hexdigest(), content=html)


async def test_a_window_is_re_fed_to_running_workers_newest_per_article_and_lag_drains(
    kafka_settings: Settings, tmp_path: Path
) -> None:
    settings = kafka_settings
    old = [page(n, settings.app_id, "Первая версия текста.") for n in range(6)]
    newer = page(0, settings.app_id, "Вторая версия текста.")
    await produce(settings, "raw_pages", [(p.id.encode(), encode(p)) for p in [*old, newer]])
    worker = WorkerProcess(settings, "cleaner", tmp_path).start()
    try:
        await worker.wait_ready()
        await collect(settings, "clean_articles", lambda ev: len(ev) >= 7)
        until = datetime.now(UTC)
        await asyncio.sleep(1.0)
        late = page(99, settings.app_id, "После окна.")
        await produce(settings, "raw_pages", [(late.id.encode(), encode(late))])

        report = await refeed(settings, ["cleaner"], None, until)
        assert sum(report.copied.values()) == 6 and sum(report.superseded.values()) == 1

        events = await collect(settings, "clean_articles", lambda ev: len(ev) >= 7 + 1 + 6)
        per_article = Counter(e["id"] for e in events)  # one article's events share a partition, in order
        assert per_article == {**{p.id: 2 for p in old[1:]}, newer.id: 3, late.id: 1}
        assert "Вторая версия" in [e for e in events if e["id"] == newer.id][-1]["body"]

        for _ in range(40):  # the worker commits about once a second
            rows = await positions(settings, ["cleaner"])
            if [row.lag for row in rows] == [0]:
                break
            await asyncio.sleep(0.5)
        assert [row.lag for row in rows] == [0] and rows[0].end == 7 + 1 + 6
        table = progress_lines(rows, rows)
        assert "done" in table[1] and settings.topic("raw-pages")[:36] in table[1]
    finally:
        worker.stop()


async def test_replay_from_the_beginning_and_lag_on_the_command_line(kafka_settings: Settings, tmp_path: Path) -> None:
    settings = kafka_settings
    pages = [page(n, settings.app_id, "Текст.") for n in range(4)]
    await produce(settings, "raw_pages", [(p.id.encode(), encode(p)) for p in pages])
    worker = WorkerProcess(settings, "cleaner", tmp_path).start()
    try:
        await worker.wait_ready()
        await collect(settings, "clean_articles", lambda ev: len(ev) >= 4)
    finally:
        worker.stop()

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "vestnik.cli", *args], cwd=ROOT, env=settings_env(settings),
                              capture_output=True, text=True, timeout=120)

    rewound = await asyncio.to_thread(cli, "replay", "--agents", "cleaner", "--from-beginning")
    assert rewound.returncode == 0 and "to the oldest kept input" in rewound.stdout, rewound.stderr
    behind = await asyncio.to_thread(cli, "lag", "--agents", "cleaner", "--samples", "1")
    assert behind.returncode == 0 and f" {len(pages)} " in behind.stdout.splitlines()[2], behind.stdout
    neither = await asyncio.to_thread(cli, "replay", "--agents", "cleaner")
    assert neither.returncode != 0 and "--since or --from-beginning" in neither.stderr

    worker = WorkerProcess(settings, "cleaner", tmp_path).start()
    try:
        drained = await asyncio.to_thread(cli, "lag", "--agents", "cleaner", "--interval", "1", "--until-drained")
        assert drained.returncode == 0 and "done" in drained.stdout.splitlines()[-1], drained.stdout
    finally:
        worker.stop()
