"""Faust binding of the crawler: a discovery timer feeds the frontier, a fetch agent drains it."""

from __future__ import annotations

import hashlib
import logging
import time
from typing import Any

import faust

from agents.crawler.discovery import FeedError, parse_feed
from agents.crawler.fetcher import Fetcher, FetchError, FetchPolicy
from agents.crawler.sources import Source, load_sources
from schemas.models import CrawlRequest, RawPage, utc_now
from streams.app import Pipeline
from streams.codecs import decode
from streams.ids import article_id, canonical_url
from streams.processing import process_events, publish

log = logging.getLogger(__name__)


def register(p: Pipeline) -> None:
    settings = p.settings
    sources = load_sources(settings.sources_file, settings.feed_urls, settings.poll_interval)
    fetcher = Fetcher(FetchPolicy(
        user_agent=settings.user_agent,
        timeout=settings.fetch_timeout,
        max_bytes=settings.max_page_bytes,
        allow_private_hosts=settings.allow_private_hosts,
    ))
    last_polled: dict[str, float] = {}

    async def poll(source: Source) -> None:
        for feed in source.feeds:
            try:
                result = await fetcher.fetch(feed)
                entries = parse_feed(result.content, result.final_url)
            except (FetchError, FeedError) as exc:
                log.warning("crawler: feed %s of %s failed: %s", feed, source.name, exc)
                continue
            for entry in entries:
                url = canonical_url(entry.url)
                if not source.is_article(url):
                    continue
                request = CrawlRequest(id=article_id(url), url=url, source=source.name,
                                       discovered_at=utc_now(), published_at=entry.published_at)
                await publish(p.topics["frontier"], request.id, request)

    @p.app.timer(interval=settings.discovery_tick, on_leader=True)
    async def discover() -> None:
        now = time.monotonic()
        for source in sources:
            if now - last_polled.get(source.name, float("-inf")) >= source.poll_interval:
                last_polled[source.name] = now
                await poll(source)

    async def fetch_page(key: bytes | None, value: bytes | None) -> None:
        request = decode(CrawlRequest, value)
        result = await fetcher.fetch(request.url)
        page = RawPage(
            id=request.id,
            url=request.url,
            final_url=result.final_url,
            source=request.source,
            status=result.status,
            headers=result.headers,
            fetched_at=result.fetched_at,
            content_sha256=hashlib.sha256(result.content).hexdigest(),
            content=result.content,
        )
        await publish(p.topics["raw_pages"], page.id, page)

    @p.app.agent(p.topics["frontier"], name="crawler", concurrency=1)
    async def crawler(stream: faust.StreamT) -> None:
        await process_events(stream, "crawler", p.dead_letters, fetch_page)

    @p.app.on_before_shutdown.connect
    async def _close_fetcher(app: Any, /, *args: Any, signal: Any, **kwargs: Any) -> None:
        await fetcher.close()
