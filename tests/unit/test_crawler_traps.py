"""The crawler core against a local site of real-web traps (HTTP on 127.0.0.1)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest

from agents.common.decoding import decode_html
from agents.common.ids import article_id
from agents.crawler.core import discover, raw_page
from agents.crawler.fetcher import Fetcher, FetchError, FetchPolicy, IPAddress, check_page
from agents.crawler.sources import Source
from schemas.models import CrawlRequest
from tests.crawl_traps import RUSSIAN, TrapSite


def policy(**changes: object) -> FetchPolicy:
    base = {"user_agent": "vestnik-test/1.0", "timeout": 1.0, "allow_private_hosts": True, "retries": 2,
            "backoff": 0.01}
    return FetchPolicy(**{**base, **changes})  # type: ignore[arg-type]


@pytest.fixture
async def traps() -> AsyncIterator[TrapSite]:
    site = TrapSite(crawl_delay=0.3, slow_seconds=2.0)
    await site.start()
    yield site
    await site.stop()


async def test_sitemap_index_leads_to_the_newest_news_sitemap_with_dates(traps: TrapSite) -> None:
    import re

    source = Source(name="traps", site="127.0.0.1", sitemaps=(traps.base_url + "/sitemap_index.xml",),
                    article_pattern=re.compile(r"/news/"))
    async with Fetcher(policy(min_delay=0.0)) as fetcher:
        found = await discover(fetcher, source, sitemap_children=1)
    entries = found.entries
    assert found.failures == []
    assert [e.url.rsplit("/", 1)[1] for e in entries] == ["etag.html", "cp1251.html", "flaky.html"]
    assert entries[0].published_at == datetime(2026, 11, 1, 7, 0, tzinfo=UTC)
    assert traps.hits["/sitemap_old.xml"] == 0, "only the newest child sitemap is read"


async def test_robots_disallow_and_crawl_delay_are_obeyed(traps: TrapSite) -> None:
    async with Fetcher(policy()) as fetcher:
        with pytest.raises(FetchError, match=r"robots\.txt"):
            await fetcher.fetch(traps.base_url + "/private/secret.html")
        await fetcher.fetch(traps.base_url + "/news/etag.html")
        await fetcher.fetch(traps.base_url + "/news/etag.html")
    assert traps.hits["/private/secret.html"] == 0 and traps.hits["/robots.txt"] == 1
    times = [t for path, t in traps.hit_times if path == "/news/etag.html"]
    assert times[1] - times[0] >= 0.3 * 0.95, "Crawl-delay spaces requests to one host"


async def test_conditional_get_reports_not_modified(traps: TrapSite) -> None:
    async with Fetcher(policy(min_delay=0.0)) as fetcher:
        first = await fetcher.fetch(traps.base_url + "/news/etag.html")
        again = await fetcher.fetch(first.url, etag=first.headers["etag"])
        by_date = await fetcher.fetch(first.url, last_modified=first.headers["last-modified"])
    assert first.status == 200 and not first.not_modified
    assert again.not_modified and by_date.not_modified and again.content == b""


async def test_server_error_recovers_on_retry_but_client_errors_are_not_retried(traps: TrapSite) -> None:
    async with Fetcher(policy(min_delay=0.0)) as fetcher:
        result = await fetcher.fetch(traps.base_url + "/news/flaky.html")
        with pytest.raises(FetchError, match="HTTP 404"):
            await fetcher.fetch(traps.base_url + "/news/missing.html")
    assert result.status == 200 and traps.hits["/news/flaky.html"] == 2
    assert traps.hits["/news/missing.html"] == 1


async def test_slow_page_times_out_after_its_retries(traps: TrapSite) -> None:
    async with Fetcher(policy(min_delay=0.0, timeout=0.3, retries=1)) as fetcher:
        with pytest.raises(FetchError, match="timed out"):
            await fetcher.fetch(traps.base_url + "/news/slow.html")
    assert traps.hits["/news/slow.html"] == 2


async def test_huge_page_redirect_loop_and_binary_page_end_with_a_reason(traps: TrapSite) -> None:
    async with Fetcher(policy(min_delay=0.0, max_bytes=5 * 1024 * 1024)) as fetcher:
        with pytest.raises(FetchError, match="over the cap"):
            await fetcher.fetch(traps.base_url + "/news/huge.html")
        with pytest.raises(FetchError, match="redirect loop"):
            await fetcher.fetch(traps.base_url + "/news/loop.html")
        with pytest.raises(FetchError, match="too many redirects"):
            await fetcher.fetch(traps.base_url + "/news/chain/0.html")
        binary = await fetcher.fetch(traps.base_url + "/news/binary.html")
    with pytest.raises(FetchError, match="binary content"):
        check_page(binary)


async def test_windows_1251_page_comes_out_as_correct_text(traps: TrapSite) -> None:
    url = traps.base_url + "/news/cp1251.html"
    async with Fetcher(policy(min_delay=0.0)) as fetcher:
        result = await fetcher.fetch(url)
    check_page(result)
    page = raw_page(CrawlRequest(id=article_id(url), url=url, source="traps",
                                 discovered_at=datetime.now(UTC)), result)
    assert page.encoding in ("cp1251", "windows-1251")
    text, _ = decode_html(page.content, None)
    assert RUSSIAN in text


class LoopbackOnly(Fetcher):
    """Lets the test site through but nothing else private: stands in for a public host."""

    def allows(self, address: IPAddress) -> bool:
        return str(address) == "127.0.0.1" or address.is_global


async def test_redirects_are_checked_hop_by_hop(traps: TrapSite) -> None:
    async with LoopbackOnly(policy(min_delay=0.0, allow_private_hosts=False)) as fetcher:
        with pytest.raises(FetchError, match="non-public address"):
            await fetcher.fetch(traps.base_url + "/news/to-metadata.html")
        moved = await fetcher.fetch(traps.base_url + "/news/moved.html")
    assert moved.final_url == traps.base_url + "/news/etag.html" and moved.status == 200


async def test_broken_feeds_and_sitemaps_are_reported_with_their_reason(traps: TrapSite) -> None:
    source = Source(name="traps", site="127.0.0.1", feeds=(traps.base_url + "/feeds/missing.xml",),
                    sitemaps=(traps.base_url + "/news/etag.html",))
    async with Fetcher(policy(min_delay=0.0)) as fetcher:
        found = await discover(fetcher, source, sitemap_children=1)
    assert found.entries == []
    assert len(found.failures) == 2
    assert "HTTP 404" in found.failures[0] and "sitemap" in found.failures[1]


async def test_a_sitemap_index_listing_itself_ends(traps: TrapSite) -> None:
    source = Source(name="traps", site="127.0.0.1", sitemaps=(traps.base_url + "/sitemap_self.xml",))
    async with Fetcher(policy(min_delay=0.0)) as fetcher:
        found = await discover(fetcher, source, sitemap_children=5)
    assert traps.hits["/sitemap_self.xml"] == 1 and found.entries == []


async def test_huge_crawl_delay_is_capped(traps: TrapSite) -> None:
    traps.crawl_delay = 3600
    async with Fetcher(policy(max_delay=0.2)) as fetcher:
        await fetcher.fetch(traps.base_url + "/news/etag.html")
        await fetcher.fetch(traps.base_url + "/news/etag.html")
    times = [t for path, t in traps.hit_times if path == "/news/etag.html"]
    assert 0.19 <= times[1] - times[0] < 5


def test_a_broken_canonical_claim_is_ignored() -> None:
    from agents.crawler.pages import canonical_link

    assert canonical_link(b'<link rel="canonical" href="http://[::1/a">', "https://tass.ru/1") is None
    assert canonical_link(b'<link rel="canonical" href="/politika/1">', "https://tass.ru/x?a=1") == (
        "https://tass.ru/politika/1"
    )


async def test_the_connection_itself_refuses_private_addresses(traps: TrapSite) -> None:
    """Past the early check (as after a DNS rebinding), the connector's resolver still refuses."""

    class NoEarlyCheck(Fetcher):
        async def _check_host(self, url: str, host: str) -> None:
            return None

    async with NoEarlyCheck(policy(min_delay=0.0, allow_private_hosts=False, retries=0)) as fetcher:
        with pytest.raises(FetchError, match="non-public address"):
            await fetcher.fetch(f"http://localhost:{traps.base_url.rsplit(':', 1)[1]}/news/etag.html")
    assert traps.hits["/news/etag.html"] == 0


async def test_retry_after_is_honoured(traps: TrapSite) -> None:
    async with Fetcher(policy(min_delay=0.0, retries=1)) as fetcher:
        result = await fetcher.fetch(traps.base_url + "/news/busy.html")
    times = [t for path, t in traps.hit_times if path == "/news/busy.html"]
    assert result.status == 200 and len(times) == 2 and times[1] - times[0] >= 0.95


def test_retry_after_reads_seconds_and_dates() -> None:
    from agents.crawler.fetcher import retry_after_seconds

    assert retry_after_seconds("120") == 120.0
    assert retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0
    assert retry_after_seconds("soon") is None and retry_after_seconds(None) is None
