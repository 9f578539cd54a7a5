"""The demo news site of the packaged pages: robots, feed, pages in each real site's markup, the republished copy,
conditional requests, and pages that clean to their gold."""

from __future__ import annotations

import gzip
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import AsyncIterator, Mapping
from pathlib import Path
from typing import Any

import aiohttp
import feedparser
import lxml.html
import pytest
from typer.testing import CliRunner

from agents.cleaner.core import Page, clean
from vestnik.cli import cli
from vestnik.demo.markup import BODY_XPATH, norm
from vestnik.demo.site import PAGES, REPUBLISHED, DemoPage, DemoSite
from vestnik.evaluation.cleaner import furniture_in, prf

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
async def site() -> AsyncIterator[DemoSite]:
    demo = DemoSite()
    await demo.start()
    try:
        yield demo
    finally:
        await demo.stop()


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


async def fetch(http: aiohttp.ClientSession, url: str, **headers: str) -> tuple[int, Mapping[str, str], str]:
    async with http.get(url, headers=headers) as resp:
        return resp.status, resp.headers.copy(), await resp.text()


def container(doc: Any, page: DemoPage) -> Any:
    xpath = BODY_XPATH["unknown" if page.site == "copy" else page.site]  # a copy is in another outlet's markup
    found = doc.xpath(xpath)
    assert len(found) == 1, f"{page.path}: article container {xpath} found {len(found)} times"
    return found[0]


def originals(site: DemoSite) -> list[DemoPage]:
    return [page for page in site.pages if page.site != "copy"]


async def test_pages_come_from_the_packaged_folder(site: DemoSite) -> None:
    seeds = sorted(p.stem for p in (PAGES / "seeds").glob("*.txt"))
    assert site.folder == PAGES and (PAGES / "NOTICE.md").is_file()
    assert [p.seed_id for p in originals(site)] == seeds
    assert [(p.seed_id, p.path) for p in site.pages if p.site == "copy"] == [
        (seed, f"/copies/{seed}.html") for seed in REPUBLISHED]
    assert {p.site for p in site.pages} == {"russian.rt.com", "rbc.ru", "inotv.rt.com", "unknown", "copy"}
    assert site.base_url.startswith("http://127.0.0.1:") and site.feed_url == site.base_url + "/rss.xml"
    for page in site.pages:
        if page.site != "copy":
            assert page.path == f"/{page.site}/{page.seed_id}.html"
        assert page.title == site.gold(page)["title"] and page.title
        assert site.url(page) == site.base_url + page.path
    assert site.unmapped == {}


def test_another_folder_of_the_same_layout_is_served_without_copies(tmp_path: Path) -> None:
    for folder in ("seeds", "gold"):
        (tmp_path / folder).mkdir()
    for seed in ("01_tomsk_fire_sensors", "02_northern_credit_bonds"):
        (tmp_path / "seeds" / f"{seed}.txt").write_bytes((PAGES / "seeds" / f"{seed}.txt").read_bytes())
        (tmp_path / "gold" / f"{seed}.json").write_bytes((PAGES / "gold" / f"{seed}.json").read_bytes())
    demo = DemoSite(tmp_path)
    assert [(p.seed_id, p.site) for p in demo.pages] == [
        ("01_tomsk_fire_sensors", "russian.rt.com"), ("02_northern_credit_bonds", "rbc.ru")]
    assert [p.site for p in DemoSite(tmp_path, copies=["01_tomsk_fire_sensors"]).pages].count("copy") == 1
    with pytest.raises(FileNotFoundError, match="no seeds"):
        DemoSite(tmp_path / "nothing")


async def test_robots_and_sitemap(site: DemoSite, http: aiohttp.ClientSession) -> None:
    status, headers, text = await fetch(http, site.base_url + "/robots.txt")
    assert status == 200 and headers["Content-Type"] == "text/plain; charset=utf-8"
    lines = text.splitlines()
    assert lines[:2] == ["User-agent: *", "Allow: /"]
    assert f"Sitemap: {site.base_url}/sitemap.xml" in lines
    status, _, text = await fetch(http, site.base_url + "/sitemap.xml")
    assert status == 200 and all(f"<loc>{site.url(p)}</loc>" in text for p in originals(site))
    assert "/copies/" not in text  # no original has been read yet


async def test_feed_lists_every_page_and_the_copy_once_its_original_was_read(
    site: DemoSite, http: aiohttp.ClientSession
) -> None:
    status, headers, text = await fetch(http, site.feed_url)
    assert status == 200 and headers["Content-Type"].startswith("application/rss+xml")
    feed = feedparser.parse(text)
    assert not feed.bozo and feed.version == "rss20"
    assert len(feed.entries) == len(originals(site)) == 5
    by_link = {site.url(p): p for p in site.pages}
    assert {e.link for e in feed.entries} == {site.url(p) for p in originals(site)}
    assert len({e.published_parsed for e in feed.entries}) == 5
    for entry in feed.entries:
        page = by_link[entry.link]
        assert entry.id == entry.link and entry.title == page.title
        status, headers, _ = await fetch(http, entry.link)
        assert status == 200 and headers["Content-Type"] == "text/html; charset=utf-8"
    # Every original has been read now: the republished copy is listed, half an hour after it.
    feed = feedparser.parse((await fetch(http, site.feed_url))[2])
    copy = next(p for p in site.pages if p.site == "copy")
    original = next(p for p in originals(site) if p.seed_id == copy.seed_id)
    entries = {e.link: e for e in feed.entries}
    assert set(entries) == set(by_link)
    published = [e.published_parsed for e in feed.entries]
    assert published == sorted(published, reverse=True)  # newest first
    copied, first = (time.mktime(entries[site.url(p)].published_parsed) for p in (copy, original))
    assert copied - first == 1800 and entries[site.url(copy)].title == original.title
    _, _, sitemap = await fetch(http, site.base_url + "/sitemap.xml")
    assert f"<loc>{site.url(copy)}</loc>" in sitemap


async def test_pages_carry_gold_title_and_body(site: DemoSite, http: aiohttp.ClientSession) -> None:
    for page in site.pages:
        want = site.gold(page)
        _, _, html = await fetch(http, site.url(page))
        doc = lxml.html.fromstring(html)
        h1 = [norm(h.text_content()) for h in doc.xpath("//h1")]
        assert page.title and h1 == [norm(page.title)], page.path
        text = norm(container(doc, page).text_content())
        for para in want["body"].split("\n\n"):
            assert norm(para) in text, f"{page.path}: body paragraph missing: {para[:60]}"
        tweets = doc.xpath('//blockquote[contains(@class, "twitter-tweet")]')
        assert [norm(t.xpath("./p")[0].text_content()) for t in tweets] == [
            norm(e["text"]) for e in want["embeds"]
        ]
        page_text = norm(doc.text_content())
        for line in filter(None, map(norm, site.seed(page).split("\n"))):
            assert line in page_text, f"{page.path}: seed line lost: {line[:60]}"


async def test_editors_note_is_one_paragraph_with_inline_link(
    site: DemoSite, http: aiohttp.ClientSession
) -> None:
    page = site.pages[0]
    assert page.site == "russian.rt.com"
    _, _, html = await fetch(http, site.url(page))
    body = container(lxml.html.fromstring(html), page)
    notes = [p for p in body.xpath("./p") if "(их было 18. — RT) сообщили" in norm(p.text_content())]
    assert len(notes) == 1
    assert [(a.text, a.get("href")) for a in notes[0].xpath("./a")] == [("RT", "https://russian.rt.com/")]
    assert notes[0].text.endswith("(их было 18. — ")


async def test_furniture_sits_in_the_real_sites_blocks(site: DemoSite, http: aiohttp.ClientSession) -> None:
    pages = {p.seed_id[:2]: p for p in originals(site)}
    docs = {}
    for key, page in pages.items():
        _, _, html = await fetch(http, site.url(page))
        docs[key] = lxml.html.fromstring(html)
    rt = container(docs["01"], pages["01"])
    assert len(rt.xpath('./div[contains(@class, "read-more")]//div[@class="read-more__title"]')) == 1
    assert rt.xpath('./div[@class="article__cover"]//span[@class="media__copyright"]')[0].text == "РИА Новости"
    assert docs["05"].xpath('//a[@class="gallery__link"]')[0].text == "На страницу галереи"
    assert docs["05"].xpath('//span[@class="media__copyright"]')[0].text == "Reuters"
    assert docs["03"].xpath('//p[@class="related"]/a')[0].text.startswith("В Новосибирской области")
    assert "(@seleznev_forest)" in docs["03"].xpath('//blockquote[@class="twitter-tweet"]')[0].text_content()
    rbc = docs["02"]
    assert rbc.xpath('//h1[contains(@class, "article__header__title-in")]')
    assert "EUR ЦБ" in rbc.xpath('//div[@class="article__ticker"]')[0].text_content()
    assert len(rbc.xpath('//div[@class="news-feed"]/a[@class="news-feed__item"]')) > 5
    assert rbc.xpath('//div[contains(@class, "quiz-promo")]')
    assert "EUR ЦБ" not in container(rbc, pages["02"]).text_content()
    assert "Материалы ИноТВ" in docs["04"].xpath('//div[@class="article__disclaimer"]')[0].text_content()


def test_every_page_cleans_to_its_gold_without_furniture() -> None:
    """What the demo checks of itself holds for the pages as they are served, and as plain text."""
    site = DemoSite()
    site.base_url = "http://127.0.0.1:8088"
    for page in site.pages:
        want = site.gold(page)
        expected = [{k: e.get(k) for k in ("kind", "author", "handle", "date", "text")} for e in want["embeds"]]
        pages = [Page(url=site.url(page), html=site.document(page))]
        if page.site != "copy":
            pages.append(Page(text=site.seed(page)))
        for source in pages:
            article = clean(source)
            how = f"{page.path} from {'HTML' if source.html else 'text'}"
            assert article.title == want["title"], how
            assert prf(article.body, want["body"])[2] >= 0.95, how
            assert furniture_in(article.body) == [], how
            assert [e.model_dump() for e in article.embeds] == expected, how


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


def test_thread_mode_for_sync_callers() -> None:
    demo = DemoSite()
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


async def test_real_saved_pages_are_served_byte_for_byte_and_listed(http: aiohttp.ClientSession) -> None:
    real = sorted((Path(__file__).parent / "fixtures" / "real").glob("*.html.gz"))
    demo = DemoSite(real_pages=real, copies=())
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


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def test_demo_site_command_serves_on_the_given_port_until_ctrl_c() -> None:
    port = free_port()
    env = {**os.environ, "VESTNIK_DEMO_PORT": "1"}  # the option wins over the setting
    # SIGINT as a terminal's Ctrl-C delivers it, even where this test runs with SIGINT ignored.
    proc = subprocess.Popen([sys.executable, "-m", "vestnik.cli", "demo-site", "--port", str(port)], cwd=ROOT,
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/rss.xml", timeout=2) as resp:
                    feed = feedparser.parse(resp.read())
                break
            except OSError:
                assert proc.poll() is None and time.monotonic() < deadline, proc.stderr and proc.stderr.read()
                time.sleep(0.2)
        assert len(feed.entries) == 5
    finally:
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0 and "Traceback" not in err, err
    assert f"serving 6 pages; feed at http://127.0.0.1:{port}/rss.xml" in out


@pytest.mark.parametrize("port", ["-1", "65536", "http"])
def test_demo_site_refuses_a_port_out_of_range(port: str) -> None:
    result = CliRunner().invoke(cli, ["demo-site", "--port", port])
    assert result.exit_code == 2 and "--port" in result.output


def test_a_port_in_use_is_one_line() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        result = CliRunner().invoke(cli, ["demo-site", "--port", str(taken.getsockname()[1])])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "cannot listen on 127.0.0.1:" in result.output and "--port or VESTNIK_DEMO_PORT" in result.output
