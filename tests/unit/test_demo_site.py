"""The local fixture news site: robots, feed, pages in each real site's markup, conditional requests."""

from __future__ import annotations

import gzip
import json
import urllib.error
import urllib.request
from collections.abc import AsyncIterator, Mapping
from pathlib import Path
from typing import Any

import aiohttp
import feedparser
import lxml.html
import pytest

from demo.markup import BODY_XPATH, norm
from demo.site import DemoPage, DemoSite


@pytest.fixture
async def site(corpus_dir: Path) -> AsyncIterator[DemoSite]:
    demo = DemoSite(corpus_dir)
    await demo.start()
    try:
        yield demo
    finally:
        await demo.stop()


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


def gold(corpus_dir: Path, page: DemoPage) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((corpus_dir / "gold" / f"{page.seed_id}.json").read_text("utf-8"))
    return data


async def fetch(http: aiohttp.ClientSession, url: str, **headers: str) -> tuple[int, Mapping[str, str], str]:
    async with http.get(url, headers=headers) as resp:
        return resp.status, resp.headers.copy(), await resp.text()


def container(doc: Any, page: DemoPage) -> Any:
    found = doc.xpath(BODY_XPATH[page.site])
    assert len(found) == 1, f"{page.path}: article container {BODY_XPATH[page.site]} found {len(found)} times"
    return found[0]


async def test_pages_come_from_the_corpus(site: DemoSite, corpus_dir: Path) -> None:
    seeds = sorted(p.stem for p in (corpus_dir / "seeds").glob("*.txt"))
    assert [p.seed_id for p in site.pages] == seeds
    assert {p.site for p in site.pages} == {"russian.rt.com", "rbc.ru", "inotv.rt.com", "unknown"}
    assert site.base_url.startswith("http://127.0.0.1:") and site.feed_url == site.base_url + "/rss.xml"
    for page in site.pages:
        assert page.path == f"/{page.site}/{page.seed_id}.html"
        assert page.title == gold(corpus_dir, page)["title"]
        assert site.url(page) == site.base_url + page.path
    assert site.unmapped == {}


async def test_robots_and_sitemap(site: DemoSite, http: aiohttp.ClientSession) -> None:
    status, headers, text = await fetch(http, site.base_url + "/robots.txt")
    assert status == 200 and headers["Content-Type"] == "text/plain; charset=utf-8"
    lines = text.splitlines()
    assert lines[:2] == ["User-agent: *", "Allow: /"]
    assert f"Sitemap: {site.base_url}/sitemap.xml" in lines
    status, _, text = await fetch(http, site.base_url + "/sitemap.xml")
    assert status == 200 and all(f"<loc>{site.url(p)}</loc>" in text for p in site.pages)


async def test_feed_lists_every_page(site: DemoSite, http: aiohttp.ClientSession) -> None:
    status, headers, text = await fetch(http, site.feed_url)
    assert status == 200 and headers["Content-Type"].startswith("application/rss+xml")
    feed = feedparser.parse(text)
    assert not feed.bozo and feed.version == "rss20"
    assert len(feed.entries) == len(site.pages) == 5
    by_link = {site.url(p): p for p in site.pages}
    assert {e.link for e in feed.entries} == set(by_link)
    assert len({e.published_parsed for e in feed.entries}) == 5
    for entry in feed.entries:
        page = by_link[entry.link]
        assert entry.id == entry.link and entry.title
        assert entry.title == page.title or page.title is None
        status, headers, _ = await fetch(http, entry.link)
        assert status == 200 and headers["Content-Type"] == "text/html; charset=utf-8"


async def test_pages_carry_gold_title_and_body(
    site: DemoSite, http: aiohttp.ClientSession, corpus_dir: Path
) -> None:
    for page in site.pages:
        want = gold(corpus_dir, page)
        _, _, html = await fetch(http, site.url(page))
        doc = lxml.html.fromstring(html)
        h1 = [norm(h.text_content()) for h in doc.xpath("//h1")]
        assert h1 == ([norm(page.title)] if page.title else []), page.path
        if page.title is None:
            assert norm(doc.findtext(".//title") or "") in {"", "RT на русском", "Новости"}
        text = norm(container(doc, page).text_content())
        for para in want["body"].split("\n\n"):
            assert norm(para) in text, f"{page.path}: body paragraph missing: {para[:60]}"
        tweets = doc.xpath('//blockquote[contains(@class, "twitter-tweet")]')
        assert [norm(t.xpath("./p")[0].text_content()) for t in tweets] == [
            norm(e["text"]) for e in want["embeds"]
        ]
        page_text = norm(doc.text_content())
        seed = (corpus_dir / "seeds" / f"{page.seed_id}.txt").read_text("utf-8")
        for line in filter(None, map(norm, seed.split("\n"))):
            assert line in page_text, f"{page.path}: seed line lost: {line[:60]}"


async def test_editors_note_is_one_paragraph_with_inline_link(
    site: DemoSite, http: aiohttp.ClientSession
) -> None:
    page = site.pages[0]
    assert page.site == "russian.rt.com"
    _, _, html = await fetch(http, site.url(page))
    body = container(lxml.html.fromstring(html), page)
    notes = [p for p in body.xpath("./p") if "(Россия. — RT) могут помочь" in norm(p.text_content())]
    assert len(notes) == 1
    assert [(a.text, a.get("href")) for a in notes[0].xpath("./a")] == [("RT", "https://russian.rt.com/")]
    assert notes[0].text.endswith("(Россия. — ")


async def test_furniture_sits_in_the_real_sites_blocks(site: DemoSite, http: aiohttp.ClientSession) -> None:
    pages = {p.seed_id[:3]: p for p in site.pages}
    docs = {}
    for key, page in pages.items():
        _, _, html = await fetch(http, site.url(page))
        docs[key] = lxml.html.fromstring(html)
    rt = container(docs["000"], pages["000"])
    assert len(rt.xpath('./div[contains(@class, "read-more")]//div[@class="read-more__title"]')) == 3
    assert rt.xpath('./div[@class="article__cover"]//span[@class="media__copyright"]')[0].text == "Reuters"
    assert docs["002"].xpath('//a[@class="gallery__link"]')[0].text == "На страницу галереи"
    assert docs["001"].xpath('//p[@class="related"]/a')[0].text.startswith("В Вашингтоне")
    rbc = docs["003"]
    assert rbc.xpath('//h1[contains(@class, "article__header__title-in")]')
    assert "EUR ЦБ" in rbc.xpath('//div[@class="article__ticker"]')[0].text_content()
    assert len(rbc.xpath('//div[@class="news-feed"]/a[@class="news-feed__item"]')) > 5
    assert "EUR ЦБ" not in container(rbc, pages["003"]).text_content()
    assert "Материалы ИноТВ" in docs["004"].xpath('//div[@class="article__disclaimer"]')[0].text_content()


async def test_unknown_paths_are_404_and_requests_are_logged(
    site: DemoSite, http: aiohttp.ClientSession
) -> None:
    for path in ("/nope.html", "/rss.xml/extra", site.pages[0].path + "x"):
        status, _, _ = await fetch(http, site.base_url + path)
        assert status == 404
    assert site.requests == ["/nope.html", "/rss.xml/extra", site.pages[0].path + "x"]


async def test_conditional_requests(site: DemoSite, http: aiohttp.ClientSession) -> None:
    url = site.url(site.pages[3])
    status, headers, body = await fetch(http, url)
    etag, modified = headers["ETag"], headers["Last-Modified"]
    assert status == 200 and etag.startswith('"') and modified.endswith("GMT") and body
    status, headers, body = await fetch(http, url, **{"If-None-Match": etag})
    assert (status, body, headers["ETag"]) == (304, "", etag)
    status, _, _ = await fetch(http, url, **{"If-None-Match": '"stale"'})
    assert status == 200
    status, _, _ = await fetch(http, url, **{"If-Modified-Since": modified})
    assert status == 304
    other = (await fetch(http, site.url(site.pages[4])))[1]
    assert other["ETag"] != etag and other["Last-Modified"] != modified


def test_thread_mode_for_sync_callers(corpus_dir: Path) -> None:
    demo = DemoSite(corpus_dir)
    demo.start_in_thread()
    try:
        with urllib.request.urlopen(demo.base_url + "/robots.txt", timeout=5) as resp:
            assert resp.status == 200 and b"User-agent: *" in resp.read()
        with urllib.request.urlopen(demo.url(demo.pages[0]), timeout=5) as resp:
            assert resp.headers["Content-Type"] == "text/html; charset=utf-8"
    finally:
        demo.stop_thread()
    assert demo.requests == ["/robots.txt", demo.pages[0].path]
    with pytest.raises(urllib.error.URLError):
        urllib.request.urlopen(demo.base_url + "/robots.txt", timeout=2)


async def test_real_saved_pages_are_served_byte_for_byte_and_listed(
    corpus_dir: Path, http: aiohttp.ClientSession
) -> None:
    real = sorted((Path(__file__).parent / "fixtures" / "real").glob("*.html.gz"))
    demo = DemoSite(corpus_dir, real_pages=real)
    await demo.start()
    try:
        served = [page for page in demo.pages if page.site == "real"]
        assert [page.path for page in served] == [f"/real/{p.name.removesuffix('.html.gz')}.html" for p in real]
        for page, path in zip(served, real, strict=True):
            async with http.get(demo.url(page)) as resp:
                assert resp.status == 200 and await resp.read() == gzip.decompress(path.read_bytes())
        _, _, rss = await fetch(http, demo.feed_url)
        assert {e.link for e in feedparser.parse(rss).entries} == {demo.url(page) for page in demo.pages}
    finally:
        await demo.stop()
