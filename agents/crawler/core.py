"""The crawler's core, no Kafka: find a source's article links, turn a fetched page into a raw event.

Parsing a feed or sitemap (up to 50 MB), decoding a page and hashing it run in a
thread, not on the event loop: a worker's loop must keep answering heartbeats.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from agents.common.decoding import decode_html, header_charset
from agents.common.ids import article_id, canonical_url
from agents.crawler.discovery import FeedEntry, FeedError, parse_feed, parse_sitemap
from agents.crawler.fetcher import Fetcher, FetchError, FetchResult, check_page
from agents.crawler.pages import canonical_link
from agents.crawler.sources import Source
from agents.crawler.state import CrawlState
from schemas.models import CrawlRequest, RawPage

log = logging.getLogger(__name__)

MAX_SITEMAPS_PER_POLL = 50  # sitemap indexes can nest and even list themselves


@dataclass(frozen=True)
class Discovery:
    """A source's article links now (canonical URLs), and the feeds or sitemaps that failed, with the reason."""

    entries: list[FeedEntry]
    failures: list[str]


async def discover(fetcher: Fetcher, source: Source, sitemap_children: int) -> Discovery:
    """Every article link a source lists now: its feeds, then its sitemaps (newest children first)."""
    entries: list[FeedEntry] = []
    failures: list[str] = []
    for feed in source.feeds:
        try:
            result = await fetcher.fetch(feed)
            entries += await asyncio.to_thread(parse_feed, result.content, result.final_url)
        except (FetchError, FeedError) as exc:
            failures.append(f"feed {feed}: {exc}")
    pending, seen = list(source.sitemaps), set(source.sitemaps)
    while pending and len(seen) <= MAX_SITEMAPS_PER_POLL:
        url = pending.pop(0)
        try:
            result = await fetcher.fetch(url)
            sitemap = await asyncio.to_thread(parse_sitemap, result.content, result.final_url)
        except (FetchError, FeedError) as exc:
            failures.append(f"sitemap {url}: {exc}")
            continue
        entries += sitemap.entries
        newest = sorted(sitemap.children, key=lambda c: c[1] or datetime.min.replace(tzinfo=UTC), reverse=True)
        children = [child for child, _ in newest[:sitemap_children] if child not in seen]
        seen.update(children)
        pending += children
    articles, bad_links = await asyncio.to_thread(_article_entries, source, entries)
    failures += bad_links
    for failure in failures:
        log.warning("crawler: %s failed: %s", source.name, failure)
    return Discovery(articles, failures)


def _article_entries(source: Source, entries: list[FeedEntry]) -> tuple[list[FeedEntry], list[str]]:
    """The source's article entries, under their canonical URLs, and the links that are no URL at all."""
    articles, failures = [], []
    for entry in entries:
        try:
            url = canonical_url(entry.url)
            if source.is_article(url):
                articles.append(replace(entry, url=url))
        except ValueError as exc:
            failures.append(f"link {entry.url!r}: {exc}")
    return articles, failures


def raw_page(request: CrawlRequest, result: FetchResult) -> RawPage:
    """The raw event for a fetched page, under the page's own canonical address when it names one."""
    url = canonical_url(canonical_link(result.content, result.final_url) or request.url)
    _, encoding = decode_html(result.content, header_charset(result.headers.get("content-type")))
    return RawPage(
        id=article_id(url),
        url=url,
        final_url=result.final_url,
        source=request.source,
        status=result.status,
        headers=result.headers,
        fetched_at=result.fetched_at,
        content_sha256=hashlib.sha256(result.content).hexdigest(),
        encoding=encoding,
        content=result.content,
        feed_text=request.feed_text,
    )


@dataclass(frozen=True)
class Visit:
    """What one look at a URL came to: an outcome to count, the state to keep, a page to publish.

    A fetch that gave no page is an ordinary outcome of crawling (its `error` says why), kept
    in the crawl state so the URL backs off: never a dead letter.
    """

    outcome: str
    state: CrawlState | None = None
    page: RawPage | None = None
    error: FetchError | None = None


async def crawl_url(fetcher: Fetcher, request: CrawlRequest, current_state: Callable[[], CrawlState],
                    refetch_after: float, failure_backoff: float, give_up: asyncio.Event | None = None) -> Visit:
    """Fetch a frontier URL if it is due; only a new or changed page yields a page to publish.

    A known article is due again `refetch_after` seconds after its last fetch, a failed one
    `failure_backoff` seconds after its failure, doubling with each one after. The state is
    read again when the host's turn comes, just before the request: another request for the
    URL may have fetched it while this one waited. `give_up` set while waiting for the
    turn raises TurnAbandoned, with nothing fetched.
    """
    state = current_state()
    if not state.due(time.time(), refetch_after, failure_backoff):
        return Visit("fresh")
    try:
        async with fetcher.turn(request.url, give_up) as turn:
            state, now = current_state(), time.time()
            if not state.due(now, refetch_after, failure_backoff):
                return Visit("fresh")
            result = await turn.get(etag=state.etag, last_modified=state.last_modified)
        check_page(result)
    except FetchError as exc:
        now = time.time()
        return Visit(exc.outcome, state.updated(last_fetch=now, failures=state.failures + 1), error=exc)
    if result.not_modified:
        return Visit("not_modified", state.updated(last_fetch=now, failures=0))
    page = await asyncio.to_thread(raw_page, request, result)
    fresh = state.updated(last_fetch=now, failures=0, etag=result.headers.get("etag"),
                          last_modified=result.headers.get("last-modified"), content_sha256=page.content_sha256)
    if page.content_sha256 == state.content_sha256:
        return Visit("unchanged", fresh)
    return Visit("published", fresh, page)
