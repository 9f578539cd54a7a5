"""NER runs off the event loop: a burst of long articles does not push the worker out of its group."""

from __future__ import annotations

import asyncio
import re
import time
from pathlib import Path

import aiohttp

from agents.common.ids import article_id
from schemas.models import CleanArticle, utc_now
from streams.codecs import encode
from streams.settings import Settings
from tests.articles import written_articles
from tests.integration.harness import WorkerProcess, collect, produce


async def record_latency(url: str, latencies: list[float]) -> None:
    """Ask the worker's web server (on its event loop) every 100 ms and record how long answers take."""
    async with aiohttp.ClientSession() as http:
        while True:
            began = time.monotonic()
            async with http.get(url) as resp:
                assert resp.status == 200
            latencies.append(time.monotonic() - began)
            await asyncio.sleep(0.1)


def long_articles(count: int) -> list[CleanArticle]:
    """Articles of 80 thousand characters and more, each a written article over and over."""
    bodies = [article.body for article in written_articles().values()]
    articles = []
    for n in range(count):
        url = f"https://burst.example/{n}"
        body = bodies[n % len(bodies)]
        body = "\n\n".join([body] * (80_000 // len(body) + 1))
        articles.append(CleanArticle(id=article_id(url), url=url, site="burst.example", body=body,
                                     cleaner_version="test", cleaned_at=utc_now()))
    return articles


async def test_burst_of_long_articles_keeps_the_worker_in_its_group(
    kafka_settings: Settings, tmp_path: Path
) -> None:
    # A short session timeout makes a blocked event loop visible quickly as a lost membership.
    settings = kafka_settings.model_copy(update={"session_timeout": 8.0})
    articles = long_articles(5)
    worker = WorkerProcess(settings, "annotator", tmp_path).start()
    try:
        await worker.wait_ready()
        await produce(settings, "clean_articles", [(a.id.encode(), encode(a)) for a in articles])
        latencies: list[float] = []
        probe = asyncio.create_task(record_latency(f"http://127.0.0.1:{settings.web_port}/health", latencies))
        try:
            events = await collect(settings, "enriched_articles",
                                   lambda ev: {e["id"] for e in ev} >= {a.id for a in articles}, timeout=300)
        finally:
            probe.cancel()
            await asyncio.gather(probe, return_exceptions=True)
        # NER of one such article takes seconds; on the loop it would stall every answer that long.
        assert len(latencies) > 10 and max(latencies) < 1.5, f"event loop blocked for {max(latencies):.2f}s"
        assert all(e["entities"] for e in events)
        log = worker.log()
        joined = re.findall(r"Joined group '([^']+)'", log)
        assert joined and len(joined) == len(set(joined)), f"a group was joined again (a rebalance): {joined}"
        assert "Heartbeat failed" not in log and "rebalance" not in log.lower().replace("rebalance_", "")
    finally:
        worker.stop()
