"""Crawling on the real broker: hosts at once, each politely; ordinary outcomes counted, not dead-lettered."""

from __future__ import annotations

import asyncio
import sys
from itertools import pairwise
from pathlib import Path
from typing import ClassVar

from aiohttp import web

from agents.common.ids import article_id, canonical_url
from streams.settings import Settings
from tests.integration.harness import ROOT, LocalSite, WorkerProcess, collect, produce, read_all, settings_env
from tests.integration.test_bad_input import outcome_count
from vestnik.demo.hosts import ManyHosts
from vestnik.demo.site import DemoSite

HOST_DELAY = 1.0


async def crawl_once(settings: Settings) -> str:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "vestnik.cli", "crawl", "--once", cwd=ROOT, env=settings_env(settings),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(proc.communicate(), 120)
    assert proc.returncode == 0, err.decode()
    return out.decode()


def assert_polite_and_concurrent(site: ManyHosts) -> None:
    times = site.page_requests()
    assert all(len(asked) == site.pages for asked in times.values()), times
    # Politeness: one host's pages at least the host delay apart (the server's clock, so a little slack).
    gaps = [later - earlier for asked in times.values() for earlier, later in pairwise(asked)]
    assert min(gaps) >= HOST_DELAY - 0.05, f"a host was asked twice within {min(gaps):.3f}s"
    # Concurrency: every host had its first page asked for before any host had its second.
    assert max(asked[0] for asked in times.values()) < min(asked[1] for asked in times.values()), times


async def test_crawl_once_fetches_hosts_at_once_within_each_hosts_delay(kafka_settings: Settings) -> None:
    demo = DemoSite()
    site = ManyHosts(hosts=4, pages=3, page=demo.document(demo.pages[0]))
    await site.start()
    try:
        settings = kafka_settings.model_copy(update={"feed_urls": site.feed_urls, "host_delay": HOST_DELAY})
        summary = await crawl_once(settings)
        assert "12 published, from 4 hosts" in summary, summary
        assert_polite_and_concurrent(site)
        raw = await read_all(settings, "raw_pages")
        assert len({e["id"] for e in raw}) == 12
    finally:
        await site.stop()


async def test_crawler_worker_fetches_hosts_at_once_within_each_hosts_delay(
    kafka_settings: Settings, tmp_path: Path
) -> None:
    demo = DemoSite()
    site = ManyHosts(hosts=4, pages=3, page=demo.document(demo.pages[0]))
    await site.start()
    settings = kafka_settings.model_copy(update={
        "feed_urls": site.feed_urls, "host_delay": HOST_DELAY, "poll_interval": 3600.0,
    })
    worker = WorkerProcess(settings, "crawler", tmp_path).start()
    try:
        await worker.wait_ready()
        await collect(settings, "raw_pages", lambda ev: len({e["id"] for e in ev}) >= 12)
        assert_polite_and_concurrent(site)
    finally:
        assert await asyncio.to_thread(worker.stop) == 0, worker.log()[-3000:]
        await site.stop()


class OutcomeSite(LocalSite):
    """Two articles, and the links a real feed also leads to: gone, refused by robots.txt, a PDF."""

    ARTICLE: ClassVar[str] = (
        "<html><head><title>Новость</title></head><body><article><p>Министр иностранных дел России "
        "Сергей Лавров встретился в Москве с госсекретарём США.</p></article></body></html>")
    PATHS: ClassVar[dict[str, str]] = {
        "/news/1.html": "published", "/news/2.html": "published", "/news/gone.html": "gone",
        "/news/removed.html": "gone", "/private/secret.html": "disallowed", "/news/report.pdf": "not_a_page"}

    async def _handle(self, request: web.Request) -> web.Response:
        if request.path == "/robots.txt":
            return web.Response(text="User-agent: *\nDisallow: /private/\n")
        if request.path == "/rss.xml":
            items = "".join(f"<item><title>{path}</title><link>{self.base_url}{path}</link></item>"
                            for path in self.PATHS)
            return web.Response(text=f'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>{items}'
                                     "</channel></rss>", content_type="application/rss+xml")
        if request.path in ("/news/1.html", "/news/2.html", "/private/secret.html"):
            return web.Response(text=self.ARTICLE, content_type="text/html", charset="utf-8")
        if request.path == "/news/removed.html":
            return web.Response(status=410, text="Gone")
        if request.path == "/news/report.pdf":
            return web.Response(body=b"%PDF-1.4 report", content_type="application/pdf")
        return web.Response(status=404, text="Not Found")


async def test_gone_refused_and_non_pages_are_crawl_outcomes_not_dead_letters(
    kafka_settings: Settings, tmp_path: Path
) -> None:
    site = OutcomeSite()
    await site.start()
    settings = kafka_settings.model_copy(update={"feed_urls": [site.base_url + "/rss.xml"], "poll_interval": 3600.0,
                                                 "topic_partitions": 1})
    published = {article_id(canonical_url(site.base_url + path)) for path, kind in site.PATHS.items()
                 if kind == "published"}
    # A frontier event that cannot be read is what the dead-letter topic is for, and it comes first.
    await produce(settings, "frontier", [(b"bad", b"{not json")])
    worker = WorkerProcess(settings, "crawler", tmp_path).start()
    try:
        await worker.wait_ready()
        await collect(settings, "raw_pages", lambda ev: {e["id"] for e in ev} >= published)
        expected = {"gone": 2, "disallowed": 1, "not_a_page": 1}
        counts: dict[str, float] = {}

        async def counted() -> bool:
            counts.update({kind: await outcome_count(settings, "crawler", kind) for kind in expected})
            return counts == expected

        for _ in range(60):
            if await counted():
                break
            await asyncio.sleep(0.5)
        assert counts == expected, counts
        letters = await read_all(settings, "dead_letters")
        assert len(letters) == 1 and letters[0]["error_type"] == "DecodeError", letters
        raw = await read_all(settings, "raw_pages")
        assert {e["id"] for e in raw} == published
    finally:
        assert await asyncio.to_thread(worker.stop) == 0, worker.log()[-3000:]
    try:
        summary = await crawl_once(settings.model_copy(update={"cache_dir": tmp_path / "once"}))
    finally:
        await site.stop()
    for line in ("2  published", "2  gone", "1  disallowed", "1  not_a_page", "gone: HTTP 410",
                 "disallowed: disallowed by robots.txt", "not_a_page: content type 'application/pdf'"):
        assert line in summary, summary
