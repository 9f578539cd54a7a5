"""The crawler agent on the real broker: incremental, restart-safe."""

from __future__ import annotations

import asyncio
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

from aiokafka import AIOKafkaConsumer

from agents.common.ids import article_id, canonical_url
from streams.kafka import client_options
from streams.settings import Settings
from streams.tables import key_partition
from streams.topics import topic_name
from tests.integration.harness import ROOT, WorkerProcess, collect, eventually, read_all, settings_env
from vestnik.demo.site import DemoSite


async def test_crawling_twice_and_restarting_publishes_each_article_once(
    kafka_settings: Settings, tmp_path: Path
) -> None:
    site = DemoSite()  # its republished copy is listed on a later poll, once the original has been read
    await site.start()
    # refetch_after=0: every poll re-requests every article, so only conditional GET and state stop republishing.
    settings = kafka_settings.model_copy(update={
        "feed_urls": [site.feed_url], "poll_interval": 1.0, "refetch_after": 0.0,
    })
    expected = {article_id(site.url(page)) for page in site.pages}

    def fetched_at_least(times: int) -> bool:
        return all(site.requests.count(page.path) >= times for page in site.pages)

    try:
        for round_ in (1, 2):
            worker = WorkerProcess(settings, "crawler", tmp_path).start()
            try:
                await worker.wait_ready()
                if round_ == 1:
                    await collect(settings, "raw_pages", lambda ev: {e["id"] for e in ev} >= expected)
                    await eventually(lambda: fetched_at_least(2), what="a second crawl")
                else:
                    await eventually(lambda: fetched_at_least(4), what="crawls after the restart")
            finally:
                assert await asyncio.to_thread(worker.stop) == 0, worker.log()[-3000:]

        raw = await read_all(settings, "raw_pages")
        assert sorted(e["id"] for e in raw) == sorted(expected), "each article is published exactly once"
        assert all(e["encoding"] == "utf-8" and e["status"] == 200 for e in raw)
    finally:
        await site.stop()


async def test_crawl_once_publishes_new_pages_then_nothing_and_prints_a_summary(kafka_settings: Settings) -> None:
    site = DemoSite(copies=())  # every page listed from the start
    await site.start()
    settings = kafka_settings.model_copy(update={"feed_urls": [site.feed_url], "refetch_after": 0.0})
    command = [sys.executable, "-m", "vestnik.cli", "crawl", "--once"]
    try:
        runs = []
        for _ in range(2):
            proc = await asyncio.create_subprocess_exec(*command, cwd=ROOT, env=settings_env(settings),
                                                        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
            out, err = await asyncio.wait_for(proc.communicate(), 120)
            assert proc.returncode == 0, err.decode()
            runs.append(out.decode())
        pages = len(site.pages)
        assert f"{pages} published" in runs[0] and f"{pages}  published" in runs[0]
        assert "0 published" in runs[1] and f"{pages}  not_modified" in runs[1]
        raw = await read_all(settings, "raw_pages")
        assert sorted(e["id"] for e in raw) == sorted(article_id(site.url(p)) for p in site.pages)
    finally:
        await site.stop()


async def changelog_until_forgotten(
    settings: Settings, topic: str, urls: set[str]
) -> dict[str, list[tuple[int, bool]]]:
    """Read the crawl-state topic until each URL's last record is a tombstone; per URL, (partition, deleted)."""
    consumer = AIOKafkaConsumer(topic, **client_options(settings), group_id=None, auto_offset_reset="earliest",
                                enable_auto_commit=False)
    await consumer.start()
    records: dict[str, list[tuple[int, bool]]] = {}
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            for messages in (await consumer.getmany(timeout_ms=500)).values():
                for m in messages:
                    records.setdefault(m.key.decode(), []).append((m.partition, m.value is None))
            if all(records.get(url, [(0, False)])[-1][1] for url in urls):
                return records
        raise AssertionError(f"crawl state not forgotten after 120s: {records}")
    finally:
        await consumer.stop()


async def test_expired_crawl_state_is_deleted_with_a_tombstone_in_its_partition(
    kafka_settings: Settings, tmp_path: Path
) -> None:
    site = DemoSite(copies=())  # one poll: every page listed in it
    await site.start()
    # Without refetch or failure waits the state may expire within seconds; one poll, so nothing renews it.
    settings = kafka_settings.model_copy(update={
        "feed_urls": [site.feed_url], "poll_interval": 3600.0, "refetch_after": 0.0, "failure_backoff": 0.0,
        "crawl_state_ttl": 2.0, "topic_partitions": 4,
    })
    urls = {canonical_url(site.url(page)) for page in site.pages}
    changelog = topic_name(settings, "crawl_state")
    try:
        worker = WorkerProcess(settings, "crawler", tmp_path).start()
        try:
            await worker.wait_ready()
            records = await changelog_until_forgotten(settings, changelog, urls)
        finally:
            assert await asyncio.to_thread(worker.stop) == 0, worker.log()[-3000:]
        assert "forgot the expired state of" in worker.log()
        # The tombstone goes to the partition of the state it deletes, or compaction would keep the state;
        # that is the partition of the URL's host on the frontier.
        frontier_partition = key_partition(urlsplit(site.feed_url).netloc, 4)
        assert all({partition for partition, _ in records[url]} == {frontier_partition} for url in urls), records
    finally:
        await site.stop()


async def test_polls_of_an_unchanged_feed_queue_nothing_new(kafka_settings: Settings, tmp_path: Path) -> None:
    site = DemoSite()
    await site.start()
    settings = kafka_settings.model_copy(update={"feed_urls": [site.feed_url], "poll_interval": 1.0})
    worker = WorkerProcess(settings, "crawler", tmp_path).start()
    try:
        await worker.wait_ready()
        await collect(settings, "raw_pages", lambda ev: len(ev) >= len(site.pages))
        polls = site.requests.count("/rss.xml")
        await eventually(lambda: site.requests.count("/rss.xml") >= polls + 3, what="three more polls")
        frontier = await read_all(settings, "frontier")
        print(f"\nfrontier events: {len(frontier)} for {len(site.pages)} pages over "
              f"{site.requests.count('/rss.xml')} polls")
        assert sorted(e["url"] for e in frontier) == sorted(canonical_url(site.url(page)) for page in site.pages)
    finally:
        await asyncio.to_thread(worker.stop)  # off the loop: the site on it keeps answering
        await site.stop()
