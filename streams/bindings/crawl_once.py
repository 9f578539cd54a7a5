"""`vestnik crawl --once`: one pass over the configured sources for cron-style use.

It shares the agent's core (discovery, polite fetching, state decisions, expiry)
and publishes raw pages straight to the raw topic. Its crawl state lives in a JSON
file in the cache folder, so consecutive runs are incremental too, and it expires
after `crawl_state_ttl` as the worker's does.

It cannot share the worker's table: that state is owned, partition by partition,
by the running crawler workers, which keep it in memory and only write its
changelog; a one-shot run writing there would be overwritten by them or unseen
by them until their next restart.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from aiokafka import AIOKafkaProducer

from agents.common.ids import article_id, canonical_url
from agents.crawler.core import crawl_url, discover
from agents.crawler.fetcher import Fetcher
from agents.crawler.sources import Source, load_sources
from agents.crawler.state import CrawlState, expired
from schemas.models import CrawlRequest, utc_now
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


async def crawl_once(settings: Settings, sources: list[Source], progress: Progress | None = None) -> Counter[str]:
    """Crawl every source once; return the count of each outcome (published, not_modified, failed: ...)."""
    # Per cluster and topic prefix: pages known to one cluster are new to another.
    target = hashlib.sha256(f"{','.join(settings.servers)}|{settings.topic_prefix}".encode()).hexdigest()[:12]
    state_path = settings.cache_dir / f"crawl-once-state-{target}.json"
    states = _load_states(state_path, settings.crawl_state_ttl)
    outcomes: Counter[str] = Counter()
    await ensure_topics(settings)
    producer = AIOKafkaProducer(**client_options(settings), compression_type="zstd", enable_idempotence=True,
                                max_request_size=settings.max_message_bytes)
    await producer.start()
    try:
        async with Fetcher(fetch_policy(settings)) as fetcher:
            for source in sources:
                found = await discover(fetcher, source, settings.sitemap_children)
                outcomes.update(f"discovery failed: {failure}" for failure in found.failures)
                urls = list(dict.fromkeys(canonical_url(e.url) for e in found.entries))
                for done, url in enumerate(urls, 1):
                    request = CrawlRequest(id=article_id(url), url=url, source=source.name, discovered_at=utc_now())
                    try:
                        visit = await crawl_url(fetcher, request, states.get(url, CrawlState()),
                                                  settings.refetch_after, settings.failure_backoff)
                    except Exception as exc:  # one page's surprise is counted, not fatal to the run
                        outcomes[f"failed: {type(exc).__name__}: {exc}"] += 1
                        continue
                    if visit.page is not None:
                        await producer.send_and_wait(topic_name(settings, "raw_pages"), encode(visit.page),
                                                     key=visit.page.id.encode())
                    if visit.state is not None:
                        states[url] = visit.state
                    outcomes[visit.outcome if visit.error is None else f"failed: {visit.error.reason}"] += 1
                    if progress:
                        progress(source.name, done, len(urls))
                _save_states(state_path, states)
    finally:
        await producer.stop()
    return outcomes
