"""Parsing a large sitemap runs off the event loop: the loop keeps answering while discovery parses it."""

from __future__ import annotations

import asyncio
import gc
import time
from collections.abc import AsyncIterator, Iterator

import pytest
from aiohttp import web

from agents.crawler.core import discover
from agents.crawler.discovery import parse_sitemap
from agents.crawler.fetcher import Fetcher, FetchPolicy
from agents.crawler.sources import Source

URLS = 50_000  # the sitemaps.org limit of one sitemap


def big_sitemap() -> bytes:
    urls = "".join(f"<url><loc>https://news.example/2024/01/15/article-{n}.html</loc>"
                   f"<lastmod>2024-01-15T08:00:00+00:00</lastmod></url>" for n in range(URLS))
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>').encode()


@pytest.fixture
def quiet_heap() -> Iterator[None]:
    """The objects of earlier tests out of the collector's way: a full collection of a long test session's
    heap stalls every thread alike, the loop's included, and would hide what this test measures."""
    gc.collect()
    gc.freeze()
    yield
    gc.unfreeze()


@pytest.fixture
async def sitemap_site() -> AsyncIterator[tuple[str, bytes]]:
    body = big_sitemap()

    async def sitemap(request: web.Request) -> web.Response:
        return web.Response(body=body, content_type="application/xml")

    app = web.Application()
    app.router.add_get("/sitemap.xml", sitemap)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    yield f"http://127.0.0.1:{runner.addresses[0][1]}", body
    await runner.cleanup()


async def longest_stall(work: asyncio.Future[object], every: float = 0.005) -> float:
    """The longest the loop went without running a short timer while `work` ran."""
    worst = 0.0
    while not work.done():
        began = time.perf_counter()
        await asyncio.sleep(every)
        worst = max(worst, time.perf_counter() - began - every)
    return worst


async def test_discovery_parses_a_50000_url_sitemap_without_stalling_the_loop(
    sitemap_site: tuple[str, bytes], quiet_heap: None
) -> None:
    base, body = sitemap_site

    async def parse_on_the_loop() -> object:
        return parse_sitemap(body, base + "/sitemap.xml")

    # What the loop would stall for if discovery parsed on it, measured the same way and under the same load.
    on_loop = await longest_stall(asyncio.ensure_future(parse_on_the_loop()))

    source = Source(name="big", site="news.example", sitemaps=(base + "/sitemap.xml",))
    policy = FetchPolicy(user_agent="vestnik-test/1.0", allow_private_hosts=True, max_bytes=len(body) + 1)
    async with Fetcher(policy) as fetcher:
        await fetcher.fetch(base + "/sitemap.xml")  # robots.txt and the connection first: only the parse is timed
        work = asyncio.ensure_future(discover(fetcher, source, sitemap_children=1))
        stall = await longest_stall(work)
        found = await work
    assert len(found.entries) == URLS and not found.failures
    assert on_loop > 0.1, f"the sitemap parses in {on_loop:.3f}s: too little to tell"
    print(f"stall {stall:.3f}s, on the loop {on_loop:.3f}s")
    assert stall < on_loop / 2, f"the loop stalled {stall:.3f}s; parsing on it stalls it {on_loop:.3f}s"
