"""The crawler agent on the real broker: incremental, restart-safe."""

from __future__ import annotations

from pathlib import Path

from streams.demo_site import DemoSite
from streams.ids import article_id
from streams.settings import Settings
from tests.integration.harness import WorkerProcess, collect, eventually, read_all


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
