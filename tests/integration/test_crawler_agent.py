"""The crawler agent on the real broker: incremental, restart-safe."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from streams.demo_site import DemoSite
from streams.ids import article_id
from streams.settings import Settings
from tests.integration.harness import ROOT, WorkerProcess, collect, eventually, read_all, settings_env


async def test_crawling_twice_and_restarting_publishes_each_article_once(
    kafka_settings: Settings, corpus_dir: Path, tmp_path: Path
) -> None:
    site = DemoSite(corpus_dir)
    await site.start()
    # refetch_after=0: every poll re-requests every article, so only conditional GET and state stop republishing.
    settings = kafka_settings.model_copy(update={
        "feed_urls": [site.feed_url], "poll_interval": 1.0, "refetch_after": 0.0,
    })
    expected = {article_id(site.url(page)) for page in site.pages}

    def fetched_at_least(times: int) -> bool:
        return all(site.requests.count(page.path) >= times for page in site.pages)

    try:
        for round_ in (1, 2):
            worker = WorkerProcess(settings, "crawler", tmp_path).start()
            try:
                await worker.wait_ready()
                if round_ == 1:
                    await collect(settings, "raw_pages", lambda ev: {e["id"] for e in ev} >= expected)
                    await eventually(lambda: fetched_at_least(2), what="a second crawl")
                else:
                    await eventually(lambda: fetched_at_least(4), what="crawls after the restart")
            finally:
                assert worker.stop() == 0, worker.log()[-3000:]

        raw = await read_all(settings, "raw_pages")
        assert sorted(e["id"] for e in raw) == sorted(expected), "each article is published exactly once"
        assert all(e["encoding"] == "utf-8" and e["status"] == 200 for e in raw)
    finally:
        await site.stop()


async def test_crawl_once_publishes_new_pages_then_nothing_and_prints_a_summary(
    kafka_settings: Settings, corpus_dir: Path
) -> None:
    site = DemoSite(corpus_dir)
    await site.start()
    settings = kafka_settings.model_copy(update={"feed_urls": [site.feed_url], "refetch_after": 0.0})
    command = [sys.executable, "-m", "streams.cli", "crawl", "--once"]
    try:
        runs = []
        for _ in range(2):
            proc = await asyncio.create_subprocess_exec(*command, cwd=ROOT, env=settings_env(settings),
                                                        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
            out, err = await asyncio.wait_for(proc.communicate(), 120)
            assert proc.returncode == 0, err.decode()
            runs.append(out.decode())
        assert "5 published" in runs[0] and "5  published" in runs[0]
        assert "0 published" in runs[1] and "5  not_modified" in runs[1]
        raw = await read_all(settings, "raw_pages")
        assert sorted(e["id"] for e in raw) == sorted(article_id(site.url(p)) for p in site.pages)
    finally:
        await site.stop()
