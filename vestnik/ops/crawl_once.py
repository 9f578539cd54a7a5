"""`vestnik crawl --once`: one pass over the configured sources for cron-style use.

It shares the agent's core (discovery, polite fetching, state decisions, expiry)
and publishes raw pages straight to the raw topic. Hosts are crawled at once,
each within its delay (see `agents.crawler.concurrency`). Its crawl state lives in a JSON
file in the cache folder, so consecutive runs are incremental too, and it expires
after `crawl_state_ttl` as the worker's does.

It cannot share the worker's table: that state is owned, partition by partition,
by the running crawler workers, which keep it in memory and only write its
changelog; a one-shot run writing there would be overwritten by them or unseen
by them until their next restart.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from aiokafka import AIOKafkaProducer

from agents.common.ids import article_id
from agents.common.tasks import BoundedTasks
from agents.crawler.concurrency import hosts_in_turn
from agents.crawler.core import Visit, crawl_url, discover
from agents.crawler.discovery import FeedEntry
from agents.crawler.fetcher import Fetcher
from agents.crawler.sources import Source, load_sources
from agents.crawler.state import CrawlState, expired
from schemas.models import CrawlRequest, RawPage, utc_now
from streams.bindings.crawler import fetch_policy
from streams.codecs import encode
from streams.kafka import client_options, ensure_topics
from streams.settings import Settings
from streams.topics import topic_name

Progress = Callable[[str, int, int], None]
"""Called as (source name, URLs done, URLs found)."""


def select_sources(settings: Settings, names: list[str]) -> list[Source]:
    sources = load_sources(settings.sources_file, settings.feed_urls, settings.poll_interval)
    if not names:
        return sources
    chosen = [s for s in sources if s.name in names]
    missing = set(names) - {s.name for s in chosen}
    if missing:
        raise ValueError(f"unknown sources {sorted(missing)}; known: {', '.join(s.name for s in sources)}")
    return chosen


def _load_states(path: Path, ttl: float) -> dict[str, CrawlState]:
    """The saved crawl state, without the URLs not fetched for `ttl` seconds (as the worker forgets them)."""
    if not path.exists():
        return {}
    saved = json.loads(path.read_text())
    forgotten = set(expired(saved.items(), time.time(), ttl))
    return {url: CrawlState.load(data) for url, data in saved.items() if url not in forgotten}


def _save_states(path: Path, states: dict[str, CrawlState]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps({url: state.dump() for url, state in states.items()}))
    tmp.replace(path)


@dataclass
class CrawlSummary:
    """What a pass came to: the count of each outcome, and the reasons behind the pages it could not get."""

    outcomes: Counter[str] = field(default_factory=Counter)
    reasons: Counter[str] = field(default_factory=Counter)
    discovery_failures: list[str] = field(default_factory=list)
    hosts: int = 0
    seconds: float = 0.0

    def count(self, visit: Visit) -> None:
        self.outcomes[visit.outcome] += 1
        if visit.error is not None:
            self.reasons[f"{visit.outcome}: {visit.error.reason}"] += 1


Publish = Callable[[RawPage], Awaitable[None]]


async def crawl_pass(settings: Settings, sources: list[Source], states: dict[str, CrawlState], publish: Publish,
                     progress: Progress | None = None) -> CrawlSummary:
    """One pass: discover every source at once, then fetch every URL, hosts at once, each host politely.

    `states` is read and updated in place; a page is published before its state records it.
    """
    summary = CrawlSummary()
    began = time.monotonic()
    async with Fetcher(fetch_policy(settings)) as fetcher:
        found = await asyncio.gather(*(discover(fetcher, s, settings.sitemap_children) for s in sources))
        source_of: dict[str, str] = {}
        entry_of: dict[str, FeedEntry] = {}
        for source, discovery in zip(sources, found, strict=True):
            summary.discovery_failures += discovery.failures
            for entry in discovery.entries:
                source_of.setdefault(entry.url, source.name)
                entry_of.setdefault(entry.url, entry)
        totals = Counter(source_of.values())
        done: Counter[str] = Counter()

        async def visit(url: str) -> None:
            name = source_of[url]
            entry = entry_of[url]
            request = CrawlRequest(id=article_id(url), url=url, source=name, discovered_at=utc_now(),
                                   published_at=entry.published_at, feed_text=entry.full_text)
            try:
                result = await crawl_url(fetcher, request, lambda: states.get(url, CrawlState()),
                                         settings.refetch_after, settings.failure_backoff)
            except Exception as exc:  # one page's surprise is counted, not fatal to the run
                summary.outcomes["error"] += 1
                summary.reasons[f"error: {type(exc).__name__}: {exc}"] += 1
                return
            if result.page is not None:
                await publish(result.page)
            if result.state is not None:
                states[url] = result.state
            summary.count(result)
            done[name] += 1
            if progress:
                progress(name, done[name], totals[name])

        jobs = BoundedTasks(settings.fetch_pending)
        try:
            for url in hosts_in_turn(source_of):
                await jobs.submit(visit(url))
            await jobs.join()
        finally:
            await jobs.cancel()
        summary.hosts = len({urlsplit(url).netloc for url in source_of})
    summary.seconds = time.monotonic() - began
    return summary


async def crawl_once(settings: Settings, sources: list[Source], progress: Progress | None = None) -> CrawlSummary:
    """Crawl every source once into the raw topic, keeping the crawl state in the cache folder between runs."""
    # Per cluster and topic prefix: pages known to one cluster are new to another.
    target = hashlib.sha256(f"{','.join(settings.servers)}|{settings.topic_prefix}".encode()).hexdigest()[:12]
    state_path = settings.cache_dir / f"crawl-once-state-{target}.json"
    states = _load_states(state_path, settings.crawl_state_ttl)
    await ensure_topics(settings)
    producer = AIOKafkaProducer(**client_options(settings), compression_type="zstd", enable_idempotence=True,
                                max_request_size=settings.max_message_bytes)
    await producer.start()

    async def publish(page: RawPage) -> None:
        await producer.send_and_wait(topic_name(settings, "raw_pages"), encode(page), key=page.id.encode())

    try:
        return await crawl_pass(settings, sources, states, publish, progress)
    finally:
        _save_states(state_path, states)
        await producer.stop()
