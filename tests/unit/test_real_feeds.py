"""Discovery against feeds and sitemaps saved from real sites (see fixtures/feeds/NOTICE.md for their origin)."""

from __future__ import annotations

import gzip
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from agents.crawler.core import discover
from agents.crawler.discovery import parse_feed, parse_sitemap
from agents.crawler.fetcher import Fetcher, FetchPolicy
from agents.crawler.sources import Source

FEEDS = Path(__file__).parent / "fixtures" / "feeds"
MANIFEST: list[dict[str, Any]] = json.loads((FEEDS / "feeds.json").read_text(encoding="utf-8"))
POLICY = FetchPolicy(user_agent="vestnik-test/1.0", timeout=5.0, max_bytes=8 * 1024 * 1024, allow_private_hosts=True)


def _links(case: dict[str, Any]) -> list[str]:
    content = (FEEDS / case["file"]).read_bytes()
    if case["kind"] == "feed":
        return [entry.url for entry in parse_feed(content, case["base_url"])]
    return [entry.url for entry in parse_sitemap(content, case["base_url"]).entries]


def test_every_fixture_is_in_the_manifest_and_noted() -> None:
    """A saved file without expectations or a stated origin is not a test."""
    listed = {case["file"] for case in MANIFEST}
    on_disk = {path.name for path in FEEDS.iterdir() if path.name not in {"feeds.json", "NOTICE.md"}}
    assert listed == on_disk
    notice = (FEEDS / "NOTICE.md").read_text(encoding="utf-8")
    assert all(f"`{name}`" in notice for name in listed)


@pytest.mark.parametrize("case", MANIFEST, ids=[case["file"] for case in MANIFEST])
def test_a_real_feed_or_sitemap_gives_each_items_own_link(case: dict[str, Any]) -> None:
    links = _links(case)
    expected = case["expected"]
    assert len(links) == expected["count"]
    assert links[: len(expected["first"])] == expected["first"]
    if expected["last"] is not None:
        assert links[-1] == expected["last"]
    if "children" in expected:
        sitemap = parse_sitemap((FEEDS / case["file"]).read_bytes(), case["base_url"])
        assert [child for child, _ in sitemap.children] == expected["children"]


@pytest.mark.parametrize("case", [c for c in MANIFEST if c["kind"] == "feed"], ids=lambda c: c["file"])
def test_titles_of_a_real_feed_come_out_as_text_in_any_encoding(case: dict[str, Any]) -> None:
    """Mis-decoded windows-1251 or latin-1 shows up as mojibake or U+FFFD in titles first."""
    entries = parse_feed((FEEDS / case["file"]).read_bytes(), case["base_url"])
    titles = [e.title for e in entries if e.title]
    assert not any("\ufffd" in t or "Ð" in t or "Ã" in t for t in titles)
    if case["file"].startswith("ru-"):
        assert all(any("а" <= ch <= "я" for ch in t.lower()) for t in titles)


def test_windows_1251_titles_are_decoded_to_the_words_of_the_feed() -> None:
    entries = parse_feed((FEEDS / "ru-ibash-cp1251.xml").read_bytes(), "http://ibash.org.ru/")
    assert entries[0].title == "Цитата #17703"
    oren = parse_feed((FEEDS / "ru-oren-yandex-cp1251.xml.gz").read_bytes(), "http://www.oren.ru/")
    assert oren == parse_feed((FEEDS / "ru-oren-yandex-cp1251.xml").read_bytes(), "http://www.oren.ru/")


def _generated_sitemap(count: int) -> bytes:
    """A sitemaps.org-limit urlset (50,000 URLs), generated here: real ones are too large to keep."""
    urls = "".join(
        f"<url><loc>https://news.example/{n // 1000}/article-{n}.html</loc><lastmod>2024-01-15</lastmod></url>\n"
        for n in range(count)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
        f"{urls}</urlset>\n"
    ).encode()


@pytest.mark.parametrize("compress", [False, True], ids=["plain", "gzip"])
def test_a_generated_50000_url_sitemap_is_read_whole(compress: bool) -> None:
    content = _generated_sitemap(50_000)
    assert len(content) > 4 * 1024 * 1024
    sitemap = parse_sitemap(gzip.compress(content) if compress else content, "https://news.example/sitemap.xml")
    assert len(sitemap.entries) == 50_000
    assert sitemap.entries[0].url == "https://news.example/0/article-0.html"
    assert sitemap.entries[-1].url == "https://news.example/49/article-49999.html"


@pytest.fixture
async def real_site() -> AsyncIterator[str]:
    """Serves fixture files with the headers their sites use: cp1251 RSS, an Atom feed, a gzip sitemap."""
    routes = {
        "/rss/news.xml": ("ru-oren-yandex-cp1251.xml", {"Content-Type": "application/rss+xml; charset=windows-1251"}),
        "/rss/turbo.xml": ("ru-aif-yandex-turbo.xml", {"Content-Type": "text/xml"}),
        "/blog/index.atom": ("us-intertwingly-relative.atom", {"Content-Type": "application/atom+xml"}),
        "/sitemap_index.xml": (None, {"Content-Type": "application/xml"}),
        "/sitemap.xml.gz": ("sitemaps-org-urlset.xml.gz", {"Content-Type": "application/x-gzip"}),
        "/news-sitemap.xml": ("us-nytimes-news-sitemap.xml", {"Content-Type": "application/xml; charset=utf-8"}),
    }

    async def robots(request: web.Request) -> web.Response:
        return web.Response(text="User-agent: *\nAllow: /\n")

    async def serve(request: web.Request) -> web.Response:
        name, headers = routes[request.path]
        if name is None:
            host = f"http://{request.host}"
            body = (
                '<?xml version="1.0" encoding="UTF-8"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
                f"<sitemap><loc>{host}/sitemap.xml.gz</loc><lastmod>2016-11-21</lastmod></sitemap>"
                f"<sitemap><loc>{host}/news-sitemap.xml</loc><lastmod>2020-05-19</lastmod></sitemap>"
                "</sitemapindex>"
            ).encode()
        else:
            body = (FEEDS / name).read_bytes()
        return web.Response(body=body, headers=headers)

    app = web.Application()
    app.router.add_get("/robots.txt", robots)
    for path in routes:
        app.router.add_get(path, serve)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    yield f"http://127.0.0.1:{runner.addresses[0][1]}"
    await runner.cleanup()


async def test_discovery_over_http_reads_real_feeds_and_a_gzip_sitemap_behind_an_index(real_site: str) -> None:
    source = Source(
        name="real",
        site="127.0.0.1",
        feeds=(f"{real_site}/rss/news.xml", f"{real_site}/rss/turbo.xml", f"{real_site}/blog/index.atom"),
        sitemaps=(f"{real_site}/sitemap_index.xml",),
        poll_interval=60.0,
    )
    async with Fetcher(POLICY) as fetcher:
        found = await discover(fetcher, source, sitemap_children=5)
    assert found.failures == []
    urls = [entry.url for entry in found.entries]
    assert urls[:3] == ["http://www.oren.ru/news/2743422/", "http://www.oren.ru/news/2743420/",
                        "http://www.oren.ru/news/2743418/"]
    assert "http://www.aif.ru/incidents/smi_sobaka_v_tailande_spasla_zazhivo_pohoronennogo_mladenca" in urls
    # Relative Atom links resolve against where the feed was served from, as a browser would.
    assert f"{real_site}/blog/2012/07/16/Inhibiting-Suspend" in urls
    assert "https://www.sitemaps.org/zh_TW/terms.html" in urls
    assert "https://www.nytimes.com/2020/05/19/arts/music/germany-music-coronavirus.html" in urls
    assert len(urls) == 10 + 1 + 20 + 84 + 6


def _rss_item(inner: str) -> bytes:
    return f'<rss version="2.0"><channel><title>t</title><item><title>x</title>{inner}</item></channel></rss>'.encode()


@pytest.mark.parametrize(
    ("inner", "expected"),
    [
        ("<link>/news/1.html</link><guid>https://other.example/g</guid>", ["https://ria.ru/news/1.html"]),
        ("<guid>https://ria.ru/20240115/1921.html</guid>", ["https://ria.ru/20240115/1921.html"]),
        ("<guid>1921</guid>", []),
        ("<guid>/20240115/1921.html</guid>", []),
        ('<guid isPermaLink="false">https://ria.ru/20240115/1921.html</guid>', []),
        ('<pdalink>https://m.ria.ru/20240115/1921.html</pdalink><guid isPermaLink="false">1921</guid>',
         ["https://m.ria.ru/20240115/1921.html"]),
        ("<link>javascript:void(0)</link><pdalink>https://m.ria.ru/1.html</pdalink>", ["https://m.ria.ru/1.html"]),
        ("<link></link><enclosure url='https://ria.ru/1.mp3' type='audio/mpeg'/>", []),
    ],
    ids=["relative-link", "permalink-guid", "id-guid", "relative-guid", "guid-not-permalink", "pdalink-only",
         "javascript-link", "enclosure-only"],
)
def test_guid_and_pdalink_stand_in_for_a_missing_link_only_as_full_permalinks(inner: str, expected: list[str]) -> None:
    """Written for the rule (not saved from a site): the real files above cover each case only in part."""
    assert [e.url for e in parse_feed(_rss_item(inner), "https://ria.ru/export/rss2/index.xml")] == expected


@pytest.mark.parametrize(
    "content",
    [
        b'\n\n<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        b"<url><loc>https://ria.ru/1.html</loc></url></urlset>",
        b'\xef\xbb\xbf<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        b"<url><loc>https://ria.ru/1.html</loc></url></urlset>",
        b'<urlset xmlns="http://www.google.com/schemas/sitemap/0.84"><url><loc>https://ria.ru/1.html</loc></url></urlset>',
    ],
    ids=["blank-lines-before-declaration", "bom", "google-0.84-namespace"],
)
def test_sitemaps_with_common_faults_still_read(content: bytes) -> None:
    assert [e.url for e in parse_sitemap(content, "https://ria.ru/sitemap.xml").entries] == ["https://ria.ru/1.html"]
