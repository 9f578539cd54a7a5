"""Binding of the crawler: discovery feeds the frontier, a fetch loop drains it.

The frontier is keyed by host, so all of a host's URLs reach one worker and its
per-host delay holds across the deployment. The fetch loop is vestnik's own
(`streams.delivery`): a frontier partition's commit never passes a request that
is not done, however the hosts sharing the partition finish. Up to
`fetch_pending` requests are in hand at once, unordered, most of them waiting
for their host's turn; at a rebalance those still waiting are abandoned
uncommitted, so the rebalance never waits on politeness.

One fetch per URL: a worker holds one request per URL at a time, and reads the
URL's crawl state again when its host's turn comes, just before the request.
The state (`crawl-state`, see `crawl_state.py`) is written after the page is
published, so a crash in between fetches again rather than loses the page, and
it expires `crawl_state_ttl` after a URL's last fetch.

Discovery runs on the worker that owns partition 0 of the frontier. A new
leader first reads back the frontier's requests of the last `refetch_after`, so
that it does not queue again what the last leader queued.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from dataclasses import replace
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from aiokafka import AIOKafkaConsumer, TopicPartition

from agents.common.ids import article_id
from agents.common.tasks import unless
from agents.crawler.concurrency import hosts_in_turn
from agents.crawler.core import Visit, crawl_url, discover
from agents.crawler.discovery import FeedEntry
from agents.crawler.fetcher import Fetcher, FetchPolicy, TurnAbandoned
from agents.crawler.frontier import RecentlyQueued
from agents.crawler.sources import Source, load_sources
from schemas.models import CrawlRequest, utc_now
from streams.agent import Agent, Loop
from streams.bindings.crawl_state import CrawlStates, recent_requests
from streams.codecs import decode
from streams.delivery import Abandoned, Result, current_input, give_up_signal
from streams.publisher import Output
from streams.settings import Settings
from streams.topics import topic_name

if TYPE_CHECKING:
    from streams.app import Pipeline

log = logging.getLogger(__name__)

REQUESTS = Loop("crawler", ("frontier",))

FRONTIER_BATCH = 1000
MAX_PRUNE_INTERVAL = 3600.0  # expired state is pruned every tenth of its TTL, and at least hourly
RETRY_PAUSE = 5.0


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


class Discovery:
    """Polls the due sources and queues their new links, while this worker owns frontier partition 0."""

    def __init__(self, p: Pipeline, sources: list[Source], fetcher: Fetcher) -> None:
        self.p, self.sources, self.fetcher = p, sources, fetcher
        self.settings = p.settings
        self.lead = TopicPartition(topic_name(p.settings, "frontier"), 0)
        self.queued = RecentlyQueued(p.settings.frontier_memory, p.settings.refetch_after)
        self._last_polled: dict[str, float] = {}
        self._leading = False  # in the latest assignment
        self._task: asyncio.Task[None] | None = None

    async def on_assigned(self, assigned: set[TopicPartition]) -> None:
        leading, led = self.lead in assigned, self._leading
        self._leading = leading
        if leading and self._task is None:
            # Leading since the assignment before: no other leader queued anything meanwhile.
            self._task = asyncio.create_task(self._run(restore=not led), name="vestnik-discovery")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self, restore: bool) -> None:
        if restore:
            await self._restore()
        while True:
            try:
                await self._tick()
            except Exception:  # a publish that keeps failing: the frontier's next tick tries again
                log.exception("crawler: discovery failed; trying again at the next tick")
            await asyncio.sleep(self.settings.discovery_tick)

    async def _restore(self) -> None:
        """Mark what the frontier received lately, before the first poll; retried until it is read."""
        while True:
            try:
                self.queued.clear()
                marked = await recent_requests(self.settings, self.queued)
                log.info("crawler: leading discovery; %d URLs queued in the last %.0fs are marked (%d requests)",
                         len(self.queued), self.settings.refetch_after, marked)
                return
            except Exception as exc:
                log.warning("crawler: reading the frontier back failed (%r); retrying", exc)
                await asyncio.sleep(RETRY_PAUSE)

    async def _poll(self, source: Source) -> dict[str, tuple[str, FeedEntry]]:
        """One source's links that were not queued lately, with the source's name."""
        try:
            found = await discover(self.fetcher, source, self.settings.sitemap_children)
        except Exception:  # one source's surprise must not stop discovery for all of them
            log.exception("crawler: discovery of %s failed", source.name)
            self.p.metrics.count("discovery", "source_failed")
            return {}
        self.p.metrics.count("discovery", "polled")
        for _ in found.failures:
            self.p.metrics.count("discovery", "feed_failed")
        entries = {entry.url: entry for entry in found.entries}
        return {url: (source.name, entries[url]) for url in self.queued.new(entries)}

    async def _tick(self) -> None:
        """Poll the due sources at once; queue their new links one host at a time in turn.

        In batches, so that the first poll of a 50,000-URL sitemap does not hold the loop.
        """
        now = time.monotonic()
        due = [s for s in self.sources if now - self._last_polled.get(s.name, float("-inf")) >= s.poll_interval]
        for source in due:
            self._last_polled[source.name] = now
        found: dict[str, tuple[str, FeedEntry]] = {}
        for links in await asyncio.gather(*(self._poll(source) for source in due)):
            found = links | found
        fresh = hosts_in_turn(found)
        for start in range(0, len(fresh), FRONTIER_BATCH):
            # A revocation stops discovery at once, but a batch being queued is marked once it is published.
            await asyncio.shield(self._queue(fresh[start:start + FRONTIER_BATCH], found))

    async def _queue(self, batch: list[str], found: dict[str, tuple[str, FeedEntry]]) -> None:
        await self.p.publisher.publish([
            Output("frontier", frontier_key(url), CrawlRequest(
                id=article_id(url), url=url, source=found[url][0], discovered_at=utc_now(),
                published_at=found[url][1].published_at, feed_text=found[url][1].full_text))
            for url in batch
        ])
        self.queued.mark(batch)


def register(p: Pipeline) -> None:
    settings = p.settings
    fetcher = Fetcher(fetch_policy(settings))
    discovery = Discovery(p, load_sources(settings.sources_file, settings.feed_urls, settings.poll_interval), fetcher)
    states = CrawlStates(settings)
    in_hand: set[str] = set()  # the URLs of the requests this worker holds
    # Visits whose publishing failed, by (partition, offset): the retry of the input publishes what is
    # left of them, without fetching the page again.
    unpublished: dict[tuple[int, int], Visit] = {}

    async def fetch(key: bytes | None, value: bytes | None) -> Result:
        request = decode(CrawlRequest, value)
        origin = current_input()
        url, partition, where = request.url, origin.partition, (origin.partition, origin.offset)
        if url in in_hand:
            return Result(outcome="already_in_hand")  # the request in hand fetches it, or is handled again
        in_hand.add(url)
        try:
            visit = unpublished.pop(where, None) or await visit_url(request, partition)
            try:
                if visit.page is not None:
                    await p.publisher.publish([Output("raw_pages", visit.page.id, visit.page)])
                    visit = replace(visit, page=None)
                if visit.state is not None:
                    await p.publisher.publish([states.output(partition, url, visit.state)])
                    states.remember(partition, url, visit.state)
            except Exception:
                unpublished[where] = visit
                raise
            return Result(outcome=visit.outcome)
        finally:
            in_hand.discard(url)

    async def visit_url(request: CrawlRequest, partition: int) -> Visit:
        """Fetch in the host's turn, unless the URL's state says not yet; give up at a revocation."""
        if not await unless(give_up_signal(), states.ready.wait()):
            raise Abandoned()  # revoked while the assignment's state was read
        try:
            visit = await crawl_url(fetcher, request, lambda: states.get(partition, request.url),
                                    settings.refetch_after, settings.failure_backoff, give_up_signal())
        except TurnAbandoned as exc:
            raise Abandoned() from exc
        if visit.error is not None:
            log.info("crawler: %s: %s (%s)", request.url, visit.outcome, visit.error.reason)
        return visit

    async def on_assigned(consumer: AIOKafkaConsumer, assigned: set[TopicPartition]) -> None:
        states.assigned({tp.partition for tp in assigned})
        await discovery.on_assigned(assigned)

    async def on_revoked(revoked: set[TopicPartition]) -> None:
        await states.revoked()
        for where in [where for where in unpublished if where[0] in {tp.partition for tp in revoked}]:
            del unpublished[where]
        if discovery.lead in revoked:
            await discovery.stop()

    @p.app.timer(interval=min(MAX_PRUNE_INTERVAL, settings.crawl_state_ttl / 10))
    async def forget_expired_state() -> None:
        """Forget, with tombstones in their partitions, the URLs whose state outlived `crawl_state_ttl`."""
        stale = [(partition, url, states.held(partition, url)) for partition, url in states.expired(time.time())
                 if url not in in_hand]
        try:
            await p.publisher.publish([states.output(partition, url, None) for partition, url, _ in stale])
            # A URL visited while its tombstone travelled keeps its new state: written again, after the tombstone.
            renewed = [(partition, url, new) for partition, url, old in stale
                       if (new := states.held(partition, url)) is not None and new is not old]
            await p.publisher.publish([states.output(partition, url, new) for partition, url, new in renewed])
        except Exception as exc:  # the broker is away: the next round forgets them
            log.warning("crawler: forgetting expired crawl state failed (%r)", exc)
            return
        for partition, url, old in stale:
            if states.held(partition, url) is old:
                states.forget(partition, url)
        if stale:
            log.info("crawler: forgot the expired state of %d URLs", len(stale))

    p.consume(REQUESTS, fetch, on_assigned=on_assigned, on_revoked=on_revoked,
              in_flight=settings.fetch_pending, ordered=False)
    p.on_stop(discovery.stop)
    p.on_stop(states.revoked)
    p.on_close(fetcher.close)


# The crawler's input is requests, not articles: `replay --refeed` has nothing of it to copy back.
AGENT = Agent("crawler", register, loops=(REQUESTS,), outputs=("raw_pages", "frontier", "crawl_state"),
              refeeds_articles=False)
