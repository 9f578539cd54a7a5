"""Faust binding of the crawler: a discovery timer feeds the frontier, a fetch agent drains it.

The frontier is keyed by host, so all of a host's URLs reach one worker and its
per-host delay holds across the deployment. A worker fetches its hosts at once,
each within its delay, up to `fetch_pending` frontier events in hand. The crawl-state table (keyed by
canonical URL) writes to the partition of the frontier event, so each worker
owns the state of the URLs it fetches; the table's changelog lets a restarted
worker neither refetch nor republish what it already has. State expires
`crawl_state_ttl` after a URL's last fetch, so the table holds only the URLs of
the last weeks rather than every URL ever seen.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any
from urllib.parse import urlsplit

import faust

from agents.common.ids import article_id
from agents.crawler.concurrency import hosts_in_turn
from agents.crawler.core import crawl_url, discover
from agents.crawler.discovery import FeedEntry
from agents.crawler.fetcher import Fetcher, FetchPolicy
from agents.crawler.frontier import RecentlyQueued
from agents.crawler.sources import Source, load_sources
from agents.crawler.state import CrawlState, expired
from schemas.models import CrawlRequest, utc_now
from streams.app import Pipeline
from streams.codecs import decode
from streams.delivery import Result
from streams.publisher import Output
from streams.settings import Settings
from streams.tables import active_partitions, key_partition

log = logging.getLogger(__name__)

FRONTIER_BATCH = 1000
MAX_PRUNE_INTERVAL = 3600.0  # expired state is pruned every tenth of its TTL, and at least hourly


def fetch_policy(settings: Settings) -> FetchPolicy:
    """The fetcher's settings as the core takes them: plain values, so the core never reads the settings."""
    return FetchPolicy(
        user_agent=settings.user_agent,
        timeout=settings.fetch_timeout,
        max_bytes=settings.max_page_bytes,
        allow_private_hosts=settings.allow_private_hosts,
        min_delay=settings.host_delay,
        retries=settings.fetch_retries,
        backoff=settings.fetch_backoff,
        max_connections=settings.fetch_connections,
    )


def frontier_key(url: str) -> str:
    """The frontier is keyed by host: all of a host's URLs reach one worker, and so does their crawl state."""
    return urlsplit(url).netloc


def register(p: Pipeline) -> None:
    settings = p.settings
    sources = load_sources(settings.sources_file, settings.feed_urls, settings.poll_interval)
    fetcher = Fetcher(fetch_policy(settings))
    last_polled: dict[str, float] = {}
    queued = RecentlyQueued(settings.frontier_memory, settings.refetch_after)
    # JSON-serialised: str keys (canonical URLs), CrawlState dicts as values.
    states = p.app.Table("crawl-state", partitions=settings.topic_partitions)

    async def poll(source: Source) -> dict[str, tuple[str, FeedEntry]]:
        """One source's links that were not queued lately, with the source's name."""
        try:
            found = await discover(fetcher, source, settings.sitemap_children)
        except Exception:  # one source's surprise must not stop the timer for all of them
            log.exception("crawler: discovery of %s failed", source.name)
            p.metrics.count("discovery", "source_failed")
            return {}
        p.metrics.count("discovery", "polled")
        for _ in found.failures:
            p.metrics.count("discovery", "feed_failed")
        entries = {entry.url: entry for entry in found.entries}
        return {url: (source.name, entries[url]) for url in queued.new(entries)}

    @p.app.timer(interval=settings.discovery_tick, on_leader=True)
    async def discovery() -> None:
        """Poll the due sources at once; queue their new links one host at a time in turn.

        In batches, so that the first poll of a 50,000-URL sitemap does not hold the loop.
        """
        now = time.monotonic()
        due = [s for s in sources if now - last_polled.get(s.name, float("-inf")) >= s.poll_interval]
        for source in due:
            last_polled[source.name] = now
        found: dict[str, tuple[str, FeedEntry]] = {}
        for links in await asyncio.gather(*(poll(source) for source in due)):
            found = links | found
        fresh = hosts_in_turn(found)
        for start in range(0, len(fresh), FRONTIER_BATCH):
            batch = fresh[start:start + FRONTIER_BATCH]
            await p.publisher.publish([
                Output("frontier", frontier_key(url), CrawlRequest(
                    id=article_id(url), url=url, source=found[url][0], discovered_at=utc_now(),
                    published_at=found[url][1].published_at, feed_text=found[url][1].full_text))
                for url in batch
            ])
            queued.mark(batch)

    async def fetch(key: bytes | None, value: bytes | None) -> Result:
        request = decode(CrawlRequest, value)
        visit = await crawl_url(fetcher, request, CrawlState.load(states.get(request.url)),
                                settings.refetch_after, settings.failure_backoff)
        if visit.page is not None:
            # Published before the state records it: a crash in between refetches rather than loses the page.
            await p.publisher.publish([Output("raw_pages", visit.page.id, visit.page)])
        if visit.state is not None:
            states[request.url] = visit.state.dump()
        return Result(outcome=visit.outcome)

    @p.app.timer(interval=min(MAX_PRUNE_INTERVAL, settings.crawl_state_ttl / 10))
    async def forget_expired_state() -> None:
        """Delete expired state in the partitions this worker owns; the tombstones compact it out of the changelog.

        The store also holds standby copies of other workers' partitions: their
        owners prune those. Nothing is pruned while a rebalance restores the
        table, when an entry may not be its latest version yet. `del states[url]`
        takes the changelog partition from the current event, which a timer has
        not, so the tombstone goes to the partition of the URL's frontier key.
        """
        if not p.app.tables.actives_ready:
            return
        owned = active_partitions(p.app, states)
        forgotten = 0
        for url in expired(states.data.items(), time.time(), settings.crawl_state_ttl):
            partition = key_partition(frontier_key(url), settings.topic_partitions)
            if partition in owned:
                states.send_changelog(partition, url, None, value_serializer="raw")
                del states.data[url]
                forgotten += 1
        if forgotten:
            log.info("crawler: forgot the expired state of %d URLs", forgotten)

    @p.app.agent(p.topics["frontier"], name="crawler", concurrency=1)
    async def crawler(stream: faust.StreamT) -> None:
        # Hosts at once: a URL waiting out its host's delay holds up no other host's.
        await p.process_concurrently(stream, "crawler", fetch, settings.fetch_pending)

    @p.app.on_before_shutdown.connect
    async def _close_fetcher(app: Any, /, *args: Any, signal: Any, **kwargs: Any) -> None:
        await fetcher.close()
