"""Crawler core against real HTTP servers on 127.0.0.1."""

from __future__ import annotations

import gzip
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from aiohttp import web

from agents.crawler.discovery import FeedError, parse_feed
from agents.crawler.fetcher import Fetcher, FetchError, FetchPolicy
from agents.crawler.sources import SourcesError, load_sources
from vestnik.demo.site import DemoSite

POLICY = FetchPolicy(user_agent="vestnik-test/1.0", timeout=2.0, max_bytes=64 * 1024, allow_private_hosts=True)


@pytest.fixture
async def demo() -> AsyncIterator[DemoSite]:
    site = DemoSite()
    await site.start()
    yield site
    await site.stop()


@pytest.fixture
async def odd_site() -> AsyncIterator[str]:
    """A server with the cases a crawler must survive."""

    async def robots(request: web.Request) -> web.Response:
        return web.Response(text="User-agent: *\nDisallow: /private/\n")

    async def big(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "text/html"})
        await response.prepare(request)
        for _ in range(100):
            await response.write(b"<p>" + b"x" * 4096 + b"</p>")
        return response

    async def loop(request: web.Request) -> web.Response:
        raise web.HTTPFound("/loop")

    async def gone(request: web.Request) -> web.Response:
        return web.Response(status=410)

    app = web.Application()
    app.router.add_get("/robots.txt", robots)
    app.router.add_get("/big.html", big)
    app.router.add_get("/loop", loop)
    app.router.add_get("/gone.html", gone)
    app.router.add_get("/private/page.html", gone)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    yield f"http://127.0.0.1:{port}"
    await runner.cleanup()


async def test_feed_of_the_demo_site_lists_every_page(demo: DemoSite) -> None:
    async with Fetcher(POLICY) as fetcher:
        result = await fetcher.fetch(demo.feed_url)
    entries = parse_feed(result.content, result.final_url)
    assert sorted(e.url for e in entries) == sorted(demo.url(p) for p in demo.listed())
    assert len(entries) == 5
    assert all(e.published_at is not None and e.published_at.tzinfo is not None for e in entries)
    assert "/robots.txt" in demo.requests and demo.requests.index("/robots.txt") < demo.requests.index("/rss.xml")


async def test_fetched_page_keeps_bytes_and_selected_headers(demo: DemoSite) -> None:
    async with Fetcher(POLICY.__class__(**{**POLICY.__dict__, "max_bytes": 5_000_000})) as fetcher:
        result = await fetcher.fetch(demo.url(demo.pages[0]))
    assert result.status == 200 and result.content.startswith(b"<!DOCTYPE html>")
    assert result.headers["content-type"].startswith("text/html") and "etag" in result.headers


async def test_robots_disallow_size_cap_redirect_loop_and_http_errors_are_clear_outcomes(odd_site: str) -> None:
    async with Fetcher(POLICY) as fetcher:
        with pytest.raises(FetchError, match=r"robots\.txt"):
            await fetcher.fetch(odd_site + "/private/page.html")
        with pytest.raises(FetchError, match="over the cap"):
            await fetcher.fetch(odd_site + "/big.html")
        with pytest.raises(FetchError, match="redirect loop"):
            await fetcher.fetch(odd_site + "/loop")
        with pytest.raises(FetchError, match="HTTP 410"):
            await fetcher.fetch(odd_site + "/gone.html")
        with pytest.raises(FetchError, match="unsupported URL scheme"):
            await fetcher.fetch("file:///etc/passwd")


async def test_private_hosts_are_refused_unless_allowed(odd_site: str) -> None:
    strict = FetchPolicy(user_agent="vestnik-test/1.0", timeout=2.0)
    async with Fetcher(strict) as fetcher:
        with pytest.raises(FetchError, match="non-public address"):
            await fetcher.fetch(odd_site + "/gone.html")


@pytest.mark.parametrize("content", [b"\x00\x01\x02 binary", b"<html><body>not a feed</body></html>", b""])
def test_malformed_feed_is_an_error_not_an_empty_list(content: bytes) -> None:
    with pytest.raises(FeedError, match="malformed feed"):
        parse_feed(content, "http://127.0.0.1/rss")


def test_truncated_feed_keeps_the_items_it_has() -> None:
    entries = parse_feed(b"<rss version='2.0'><channel><item><link>http://a.ru/1</link></item><item><title>x",
                         "http://a.ru/rss")
    assert [e.url for e in entries] == ["http://a.ru/1"]


def test_the_publishers_sources_cover_the_target_outlets() -> None:
    sources = {s.name: s for s in load_sources()}
    assert {"rt", "inotv", "rbc", "tass", "ria", "interfax", "kommersant", "lenta", "izvestia"} <= set(sources)
    assert all(s.feeds and s.poll_interval > 0 for s in sources.values())
    assert sources["rt"].is_article("https://russian.rt.com/world/news/1234567-putin-tramp")
    assert not sources["rt"].is_article("https://russian.rt.com/tag/putin")
    assert sources["kommersant"].poll_interval == 600 and sources["rbc"].sitemaps


def test_feed_urls_replace_the_sources_file_and_bad_files_are_reported(tmp_path: Path) -> None:
    only = load_sources(feed_urls=["http://127.0.0.1:9/rss.xml"])
    assert [s.name for s in only] == ["feed:127.0.0.1:9"] and only[0].is_article("http://127.0.0.1:9/a.html")
    bad = tmp_path / "sources.toml"
    bad.write_text("[[source]]\nname = 'x'\n")
    with pytest.raises(SourcesError, match="source #1"):
        load_sources(bad)


YANDEX_RSS = """<?xml version="1.0" encoding="windows-1251"?>
<rss version="2.0" xmlns:yandex="http://news.yandex.ru" xmlns:media="http://search.yahoo.com/mrss/"
     xmlns:turbo="http://turbo.yandex.ru">
<channel><title>Новости</title><link>https://news.example/</link>
<item turbo="true">
  <title>Главная новость дня</title>
  <link>https://news.example/2024/01/15/main.html</link>
  <pdalink>https://m.news.example/2024/01/15/main.html</pdalink>
  <pubDate>Mon, 15 Jan 2024 08:00:00 +0300</pubDate>
  <yandex:full-text>Полный текст статьи.</yandex:full-text>
  <yandex:related>
    <link url="https://news.example/2024/01/14/older.html">Вчерашняя новость</link>
    <link url="https://news.example/2024/01/13/oldest.html">Позавчерашняя новость</link>
  </yandex:related>
  <turbo:content><![CDATA[<p>Полный текст статьи.</p>]]></turbo:content>
</item>
</channel></rss>""".encode("windows-1251")


def test_a_yandex_feeds_item_keeps_its_own_link_not_its_related_stories() -> None:
    entries = parse_feed(YANDEX_RSS, "https://news.example/rss")
    assert [e.url for e in entries] == ["https://news.example/2024/01/15/main.html"]
    assert entries[0].title == "Главная новость дня"
    assert entries[0].published_at == datetime(2024, 1, 15, 5, 0, tzinfo=UTC)


def test_a_gzip_compressed_feed_is_read_like_a_plain_one() -> None:
    assert parse_feed(gzip.compress(YANDEX_RSS), "https://news.example/rss.xml.gz") == parse_feed(
        YANDEX_RSS, "https://news.example/rss")
    with pytest.raises(FeedError, match="corrupt gzip"):
        parse_feed(b"\x1f\x8b" + b"not gzip at all", "https://news.example/rss.xml.gz")
