"""Faust binding of the crawler: a discovery timer feeds the frontier, a fetch agent drains it.

The frontier is keyed by canonical URL and so is the crawl-state table, so each
worker owns the state of the URLs it fetches; the table's changelog lets a
restarted worker neither refetch nor republish what it already has.
"""

from __future__ import annotations

import time
from typing import Any

import faust

from agents.crawler.core import discover, fetch_policy, raw_page
from agents.crawler.fetcher import Fetcher, FetchError, check_page
from agents.crawler.sources import load_sources
from agents.crawler.state import CrawlState
from schemas.models import CrawlRequest, utc_now
from streams.app import Pipeline
from streams.codecs import decode
from streams.ids import article_id, canonical_url
from streams.processing import publish, publish_all


def register(p: Pipeline) -> None:
    settings = p.settings
    sources = load_sources(settings.sources_file, settings.feed_urls, settings.poll_interval)
    fetcher = Fetcher(fetch_policy(settings))
    last_polled: dict[str, float] = {}
    # JSON-serialised: str keys (canonical URLs), CrawlState dicts as values.
    states = p.app.Table("crawl-state", partitions=settings.topic_partitions)

    @p.app.timer(interval=settings.discovery_tick, on_leader=True)
    async def discovery() -> None:
        now = time.monotonic()
        for source in sources:
            if now - last_polled.get(source.name, float("-inf")) < source.poll_interval:
                continue
            last_polled[source.name] = now
            entries = await discover(fetcher, source, settings.sitemap_children)
            requests = []
            for entry in entries:
                url = canonical_url(entry.url)
                requests.append((url, CrawlRequest(id=article_id(url), url=url, source=source.name,
                                                   discovered_at=utc_now(), published_at=entry.published_at)))
            await publish_all(p.topics["frontier"], requests)
            p.metrics.count("discovery", source.name)

    async def fetch(key: bytes | None, value: bytes | None) -> str:
        request = decode(CrawlRequest, value)
        state_key = request.url
        state = CrawlState.load(states.get(state_key))
        now = time.time()
        if not state.due(now, settings.refetch_after, settings.fetch_backoff * 60):
            return "fresh"
        try:
            result = await fetcher.fetch(request.url, etag=state.etag, last_modified=state.last_modified)
            check_page(result)
        except FetchError:
            states[state_key] = state.updated(last_fetch=now, failures=state.failures + 1).dump()
            raise
        if result.not_modified:
            states[state_key] = state.updated(last_fetch=now, failures=0).dump()
            return "not_modified"
        page = raw_page(request, result)
        fresh = state.updated(last_fetch=now, failures=0, etag=result.headers.get("etag"),
                              last_modified=result.headers.get("last-modified"),
                              content_sha256=page.content_sha256).dump()
        if page.content_sha256 == state.content_sha256:
            states[state_key] = fresh
            return "unchanged"
        await publish(p.topics["raw_pages"], page.id, page)
        states[state_key] = fresh
        return "published"

    @p.app.agent(p.topics["frontier"], name="crawler", concurrency=1)
    async def crawler(stream: faust.StreamT) -> None:
        await p.process(stream, "crawler", fetch)

    @p.app.on_before_shutdown.connect
    async def _close_fetcher(app: Any, /, *args: Any, signal: Any, **kwargs: Any) -> None:
        await fetcher.close()
