"""Crawler ceiling: pages per second and CPU per page against a local site, politeness off.

    python -m benchmarks.crawl [--pages 500]

The site runs in its own process so the figures are the crawler's alone: one
fetch loop as the agent runs it (fetch, page checks, charset detection,
hashing, the raw event and its serialisation).
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import time
from datetime import UTC, datetime
from pathlib import Path

from agents.common.ids import article_id
from agents.crawler.core import crawl_url
from agents.crawler.fetcher import Fetcher, FetchPolicy
from agents.crawler.state import CrawlState
from schemas.models import CrawlRequest
from streams.codecs import encode
from streams.settings import Settings


def _serve(port: int, page: bytes, ready: multiprocessing.synchronize.Event) -> None:
    from aiohttp import web

    async def article(request: web.Request) -> web.Response:
        return web.Response(body=page, content_type="text/html", charset="utf-8")

    async def robots(request: web.Request) -> web.Response:
        return web.Response(text="User-agent: *\nAllow: /\n")

    async def main() -> None:
        app = web.Application()
        app.router.add_get("/robots.txt", robots)
        app.router.add_get("/news/{n}.html", article)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", port).start()
        ready.set()
        await asyncio.Event().wait()

    asyncio.run(main())


async def crawl(base: str, pages: int) -> tuple[float, float, int]:
    settings = Settings(refetch_after=0.0)
    policy = FetchPolicy(user_agent=settings.user_agent, allow_private_hosts=True, min_delay=0.0, retries=0)
    published = 0
    async with Fetcher(policy) as fetcher:
        await fetcher.fetch(f"{base}/news/warmup.html")
        wall, cpu = time.perf_counter(), time.process_time()
        for n in range(pages):
            url = f"{base}/news/{n}.html"
            request = CrawlRequest(id=article_id(url), url=url, source="bench", discovered_at=datetime.now(UTC))
            visit = await crawl_url(fetcher, request, CrawlState(), settings.refetch_after, settings.failure_backoff)
            assert visit.page is not None, visit
            encode(visit.page)
            published += 1
        return time.perf_counter() - wall, time.process_time() - cpu, published


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=500)
    parser.add_argument("--corpus", type=Path, default=Settings().corpus_dir)
    args = parser.parse_args(argv)
    from demo.site import DemoSite

    site = DemoSite(args.corpus)
    page = site.document(site.pages[0])
    port = 18000 + int(time.time()) % 1000
    ready = multiprocessing.get_context("spawn").Event()
    server = multiprocessing.get_context("spawn").Process(target=_serve, args=(port, page, ready), daemon=True)
    server.start()
    try:
        ready.wait(30)
        wall, cpu, pages = asyncio.run(crawl(f"http://127.0.0.1:{port}", args.pages))
    finally:
        server.terminate()
    print(f"pages fetched: {pages} of {len(page) / 1024:.0f} KiB, one host, politeness off")
    print(f"pages/s: {pages / wall:.1f}")
    print(f"CPU per page: {1000 * cpu / pages:.2f} ms (crawler process)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
