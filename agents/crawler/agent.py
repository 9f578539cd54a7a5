"""Faust binding of the crawler: a discovery timer feeds the frontier, a fetch agent drains it.

The frontier is keyed by host, so all of a host's URLs reach one worker and its
per-host delay holds across the deployment. The crawl-state table (keyed by
canonical URL) writes to the partition of the frontier event, so each worker
owns the state of the URLs it fetches; the table's changelog lets a restarted
worker neither refetch nor republish what it already has.
"""

from __future__ import annotations

import logging
import time
from typing import Any
from urllib.parse import urlsplit

import faust

from agents.crawler.core import crawl_url, discover, fetch_policy
from agents.crawler.fetcher import Fetcher
from agents.crawler.sources import load_sources
from agents.crawler.state import CrawlState
from schemas.models import CrawlRequest, utc_now
from streams.app import Pipeline
from streams.codecs import decode
from streams.delivery import Result
from streams.ids import article_id, canonical_url
from streams.publisher import Output

log = logging.getLogger(__name__)


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
            try:
                found = await discover(fetcher, source, settings.sitemap_children)
            except Exception:  # one source's surprise must not stop the timer for all of them
                log.exception("crawler: discovery of %s failed", source.name)
                p.metrics.count("discovery", "source_failed")
                continue
            requests = []
            for entry in found.entries:
                url = canonical_url(entry.url)
                request = CrawlRequest(id=article_id(url), url=url, source=source.name,
                                       discovered_at=utc_now(), published_at=entry.published_at)
                requests.append(Output("frontier", urlsplit(url).netloc, request))
            await p.publisher.publish(requests)
            p.metrics.count("discovery", "polled")
            for _ in found.failures:
                p.metrics.count("discovery", "feed_failed")

    async def fetch(key: bytes | None, value: bytes | None) -> Result:
        request = decode(CrawlRequest, value)
        visit = await crawl_url(fetcher, request, CrawlState.load(states.get(request.url)), settings)
        if visit.page is not None:
            # Published before the state records it: a crash in between refetches rather than loses the page.
            await p.publisher.publish([Output("raw_pages", visit.page.id, visit.page)])
        if visit.state is not None:
            states[request.url] = visit.state.dump()
        if visit.error is not None:
            raise visit.error
        return Result(outcome=visit.outcome)

    @p.app.agent(p.topics["frontier"], name="crawler", concurrency=1)
    async def crawler(stream: faust.StreamT) -> None:
        await p.process(stream, "crawler", fetch)

    @p.app.on_before_shutdown.connect
    async def _close_fetcher(app: Any, /, *args: Any, signal: Any, **kwargs: Any) -> None:
        await fetcher.close()
