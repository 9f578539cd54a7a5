"""Crawler chaos run: crawler workers killed again and again while they crawl a local site of many hosts.

    python -m vestnik.benchmarks.crawl_chaos [--hosts 6] [--pages 50] [--kills 5] [--runs 3] [--host-delay 1.0]

The site serves `--hosts` hosts (one port each on 127.0.0.1, each with its RSS
feed of `--pages` articles) and counts every article page it serves. Two
`vestnik worker --agents crawler` processes run under a supervisor that
restarts any that exits, as compose's `restart: always` does. A worker's whole
process group is SIGKILLed `--kills` times, in turn: at a random moment, then
just after the group has settled on a new assignment. Once every page is
published and the kills are done, the run goes on for two more polls of the
feeds (a new discovery leader must not queue everything again), then reads
`raw-pages` and `frontier` back.

Each run prints: pages published and missing; duplicate raw pages (records
beyond one per article); pages the site served more than once (the refetch
interval is hours, so any second serve is a double fetch); frontier requests
per article; and the longest time a frontier partition had no owner in the
consumer group (a rebalance in progress, or none assigned). A SIGKILLed
member keeps its partitions in the group until its session times out
(`--session-timeout`); that wait is not counted as ownerless. A member killed
while a rebalance gathers the group holds the rebalance up as long, and that
is counted: the session timeout bounds the longest gap.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import signal
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import orjson
from aiokafka import AIOKafkaConsumer
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.coordinator.protocol import ConsumerProtocol

from agents.common.ids import article_id, canonical_url
from streams.app import loop_group
from streams.kafka import client_options
from streams.settings import Settings
from streams.topics import topic_name
from vestnik.benchmarks.chaos import Supervisor, wait_until
from vestnik.benchmarks.cluster import read_all
from vestnik.demo.hosts import ManyHosts
from vestnik.ops.broker import EmbeddedBroker

PAGE = ("<!doctype html><html lang='ru'><head><meta charset='utf-8'><title>Новость</title></head><body>"
        "<article><h1>Новость дня</h1><p>Текст новости, которую сайт отдаёт по каждому адресу.</p></article>"
        "</body></html>").encode()


@dataclass
class Plan:
    hosts: int = 6
    pages: int = 50
    workers: int = 2
    kills: int = 5
    kill_every: float = 10.0  # mean seconds before an unprovoked kill
    settle: float = 25.0  # seconds the run goes on once everything is published and the kills are done
    deadline: float = 600.0
    seed: int = 0


@dataclass
class Report:
    pages: int
    published: int
    missing: int
    duplicate_raw: int
    served_twice: int
    most_served: int
    frontier_requests: int
    longest_ownerless: float
    seconds: float
    kills: int
    worker_exits: list[int | None] = field(default_factory=list)
    missing_urls: list[str] = field(default_factory=list)
    served_twice_urls: list[str] = field(default_factory=list)

    @property
    def duplicate_share(self) -> float:
        return self.duplicate_raw / max(1, self.pages)

    def line(self) -> str:
        return (f"pages={self.pages} published={self.published} missing={self.missing} "
                f"duplicate_raw={self.duplicate_raw} ({self.duplicate_share:.1%}) served_twice={self.served_twice} "
                f"most_served={self.most_served} frontier_requests={self.frontier_requests} "
                f"longest_ownerless={self.longest_ownerless:.1f}s kills={self.kills} seconds={self.seconds:.0f} "
                f"worker_exits={dict(Counter(self.worker_exits))}")


class Ownership:
    """Watches the crawler's consumer group: when the frontier's partitions have an owner, and since when not."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.group = loop_group(settings, "crawler")
        self.topic = topic_name(settings, "frontier")
        self.partitions = set(range(settings.topic_partitions))
        self.unowned_since: dict[int, float] = {}
        self.longest = 0.0
        self.settled_at = 0.0  # when every partition last became owned after a gap
        self.watching = False

    async def _owned(self, admin: AIOKafkaAdminClient) -> set[int]:
        described = await admin.describe_consumer_groups([self.group])
        _, _, state, _, _, members = described[0].groups[0][:6]
        if state != "Stable":
            return set()
        owned: set[int] = set()
        for member in members:
            assignment = ConsumerProtocol.ASSIGNMENT.decode(member[4]) if member[4] else None
            if assignment is not None:
                owned |= {tp.partition for tp in assignment.partitions() if tp.topic == self.topic}
        return owned

    async def watch(self) -> None:
        admin = AIOKafkaAdminClient(**client_options(self.settings))
        await admin.start()
        try:
            while True:
                try:
                    owned = await self._owned(admin)
                except Exception:  # the coordinator moving: the next look tells
                    await asyncio.sleep(0.2)
                    continue
                now = time.monotonic()
                if not self.watching:
                    self.watching = owned == self.partitions  # from the first full assignment on
                    self.settled_at = now
                else:
                    for partition in self.partitions:
                        if partition in owned:
                            since = self.unowned_since.pop(partition, None)
                            if since is not None:
                                self.longest = max(self.longest, now - since)
                                self.settled_at = now
                        else:
                            self.unowned_since.setdefault(partition, now)
                await asyncio.sleep(0.2)
        finally:
            await admin.close()

    def close(self) -> None:
        now = time.monotonic()
        for since in self.unowned_since.values():
            self.longest = max(self.longest, now - since)


class Published:
    """Follows `raw-pages` while the run goes on: which articles are there."""

    def __init__(self, settings: Settings) -> None:
        self.settings, self.ids = settings, set[str]()

    async def follow(self) -> None:
        consumer = AIOKafkaConsumer(topic_name(self.settings, "raw_pages"), **client_options(self.settings),
                                    group_id=None, auto_offset_reset="earliest", enable_auto_commit=False,
                                    max_partition_fetch_bytes=self.settings.max_message_bytes)
        await consumer.start()
        try:
            while True:
                for messages in (await consumer.getmany(timeout_ms=500)).values():
                    self.ids.update(orjson.loads(m.value)["id"] for m in messages if m.value is not None)
        finally:
            await consumer.stop()


def settled_after(ownership: Ownership, moment: float) -> bool:
    return ownership.settled_at > moment


def crawl_settings(settings: Settings, site: ManyHosts) -> Settings:
    """The run's settings: the site's feeds, polled often enough that leaders change between polls."""
    return settings.model_copy(update={
        "feed_urls": site.feed_urls, "allow_private_hosts": True, "poll_interval": 10.0, "discovery_tick": 1.0,
        "web_enabled": False,
    })


async def crawl_chaos(settings: Settings, plan: Plan, log_dir: Path, say: bool = True) -> Report:
    """Run the plan against a fresh site with the cluster and topic names of `settings`."""
    rng = random.Random(plan.seed)
    site = ManyHosts(plan.hosts, plan.pages, PAGE)
    await site.start()
    settings = crawl_settings(settings, site)
    urls = {canonical_url(f"http://{netloc}/news/{n}.html") for netloc in site.netlocs for n in range(plan.pages)}
    expected = {article_id(url): url for url in urls}
    published, ownership = Published(settings), Ownership(settings)
    began = time.monotonic()
    supervisor = Supervisor(settings, "crawler", plan.workers, log_dir)
    tasks = [asyncio.create_task(job()) for job in (published.follow, ownership.watch, supervisor.watch)]

    def complete() -> bool:
        return set(expected) <= published.ids

    def note(what: str) -> None:
        if say:
            print(f"  {time.monotonic() - began:6.1f}s  {len(published.ids & set(expected))}/{len(expected)} "
                  f"published  {what}", file=sys.stderr, flush=True)

    kills = 0
    try:
        deadline = began + plan.deadline
        await wait_until(lambda: bool(published.ids), deadline)
        last_kill = time.monotonic()
        for k in range(plan.kills):
            if k % 2 == 0:
                await asyncio.sleep(plan.kill_every * rng.uniform(0.8, 1.2))
                how = "at random"
            else:  # just after the group settled on a new assignment
                await wait_until(partial(settled_after, ownership, last_kill), deadline)
                await asyncio.sleep(rng.uniform(0.2, 1.5))
                how = "just after a rebalance"
            slot = rng.randrange(plan.workers)
            victim = supervisor.kill(slot)
            last_kill = time.monotonic()
            kills += 1
            note(f"killed worker {slot} (pid {victim.proc.pid if victim.proc else '?'}) {how}")
        await wait_until(complete, deadline, pause=0.5)
        note("all published; two more polls" if complete() else "deadline reached")
        await asyncio.sleep(plan.settle)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await asyncio.to_thread(supervisor.stop)
        ownership.close()
        served = Counter(f"{r.host}{r.path}" for r in site.requests if r.path.startswith("/news/"))
        await site.stop()
    raw = [e for e in await read_all(settings, "raw_pages") if e["id"] in expected]
    ids = {e["id"] for e in raw}
    frontier = await read_all(settings, "frontier")
    missing = sorted(expected[i] for i in set(expected) - ids)
    return Report(pages=len(expected), published=len(ids), missing=len(missing), duplicate_raw=len(raw) - len(ids),
                  served_twice=sum(1 for n in served.values() if n > 1), most_served=max(served.values(), default=0),
                  frontier_requests=len(frontier), longest_ownerless=ownership.longest,
                  seconds=time.monotonic() - began, kills=kills, worker_exits=supervisor.exits,
                  missing_urls=missing, served_twice_urls=sorted(url for url, n in served.items() if n > 1))


def passed(report: Report) -> bool:
    """The crawler's promise: nothing missing, no page served twice, few duplicates, short ownerless gaps."""
    return (report.missing == 0 and report.served_twice == 0 and report.duplicate_share <= 0.02
            and report.longest_ownerless <= 10.0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--hosts", type=int, default=6)
    parser.add_argument("--pages", type=int, default=50, help="articles per host")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--kills", type=int, default=5)
    parser.add_argument("--kill-every", type=float, default=10.0, help="mean seconds before an unprovoked kill")
    parser.add_argument("--host-delay", type=float, default=Settings().host_delay)
    parser.add_argument("--partitions", type=int, default=4, help="frontier partitions (fewer than hosts: shared)")
    parser.add_argument("--session-timeout", type=float, default=6.0,
                        help="seconds before a killed member leaves the group (a crawler's loop is light)")
    parser.add_argument("--runs", type=int, default=3, help="consecutive runs, each on fresh topics")
    parser.add_argument("--seed", type=int, default=None)
    args = parser.parse_args()

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # a terminated run still stops its workers and broker
    work = Path(tempfile.mkdtemp(prefix="vestnik-crawl-chaos-"))
    base = Settings(broker_port=_free_port(), controller_port=_free_port(), bootstrap_servers="",
                    cache_dir=work / "cache")
    broker = EmbeddedBroker(base, work / "kafka")
    broker.start()
    print(f"crawl chaos: {args.hosts} hosts x {args.pages} pages, host delay {args.host_delay}s, "
          f"{args.kills} kills, broker {broker.bootstrap}, logs in {work}", file=sys.stderr)
    failed = 0
    try:
        for n in range(args.runs):
            run = f"crawlchaos{n}-{int(time.time())}"
            settings = base.model_copy(update={
                "bootstrap_servers": broker.bootstrap, "app_id": run, "topic_prefix": f"{run}.",
                "topic_partitions": args.partitions, "session_timeout": args.session_timeout,
                "host_delay": args.host_delay,
            })
            plan = Plan(hosts=args.hosts, pages=args.pages, workers=args.workers, kills=args.kills,
                        kill_every=args.kill_every, seed=args.seed if args.seed is not None else n)
            log_dir = work / run
            log_dir.mkdir()
            report = asyncio.run(crawl_chaos(settings, plan, log_dir))
            print(f"run {n + 1}: {report.line()}", flush=True)
            for url in report.missing_urls[:5]:
                print(f"    missing: {url}")
            for url in report.served_twice_urls[:5]:
                print(f"    served twice: {url}")
            failed += not passed(report)
    finally:
        broker.stop()
    sys.exit(1 if failed else 0)


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


if __name__ == "__main__":
    main()
