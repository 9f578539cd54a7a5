"""Chaos run: workers killed and the broker restarted mid-stream; counts what reaches the end.

Raw pages (the corpus pages, each under its own URL) are produced to `raw-pages`; worker
processes run under a supervisor that restarts any that exits, as compose `restart: always`
does. Workers are taken down again and again, in turn: a whole process group SIGKILLed at a
random moment; a replacement SIGTERMed just after it joined (a member that joins and goes);
the survivor SIGKILLed while the group settles. The broker is stopped and started again, with
kills right after it is back. At the end every produced id must be in `enriched-articles` and
nothing in `dead-letters`.

    python -m vestnik.benchmarks.chaos --articles 1000 --kills 6 --broker-restarts 1

With `--brokers 3 --kill-leader` the run is on a local three-node cluster (three replicas,
`min.insync.replicas` 2): the node that leads most partitions of `raw-pages` and
`clean-articles` is SIGKILLed, a worker is killed while it is down, and the node is started
again later. It reports how long the enriched output paused, and how many workers exited
on their own (none should: they ride out the failover).

    python -m vestnik.benchmarks.chaos --brokers 3 --kill-leader --runs 3
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gzip
import hashlib
import json
import logging
import random
import signal
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path

import orjson
import psutil
from aiokafka import AIOKafkaConsumer

from agents.common.ids import article_id
from schemas.models import RawPage, utc_now
from streams.codecs import encode
from streams.kafka import client_options
from streams.settings import Settings
from streams.topics import topic_name
from vestnik.benchmarks.cluster import WorkerProcess, produce, read_all
from vestnik.ops.broker import EmbeddedBroker, EmbeddedCluster


def corpus_pages(corpus: Path) -> list[tuple[str, bytes]]:
    """(url, html) of the corpus pages that the cleaner and the annotator accept when nothing fails."""
    from agents.annotator.cpu import annotate_text
    from agents.cleaner.cpu import clean_page

    accepted = []
    for line in (corpus / "pages" / "manifest.jsonl").read_text(encoding="utf-8").splitlines():
        entry = json.loads(line)
        html = gzip.decompress((corpus / "pages" / entry["file"]).read_bytes())
        url = entry["url"] or f"https://{entry['host']}/{entry['id']}"
        try:
            article = clean_page(html, url, None)
            annotate_text(article.body, article.title, 1_000_000)
        except Exception:  # a page the pipeline rejects by design would count as a dead letter
            continue
        accepted.append((url, html))
    return accepted


def raw_pages(pages: list[tuple[str, bytes]], count: int, run: str) -> list[RawPage]:
    """`count` raw pages cycling through `pages`, each under a URL (and so an id) of its own."""
    events = []
    for n in range(count):
        url, html = pages[n % len(pages)]
        copy = f"{url}{'&' if '?' in url else '?'}chaos={run}-{n}"
        events.append(RawPage(id=article_id(copy), url=copy, final_url=copy, source="chaos", status=200,
                              headers={"content-type": "text/html"}, fetched_at=utc_now(),
                              content_sha256=hashlib.sha256(html).hexdigest(), content=html))
    return events


@dataclass
class Plan:
    articles: int = 1000
    workers: int = 2
    agents: str = "cleaner,annotator"
    kills: int = 6
    kill_every: float = 9.0
    broker_restarts: int = 1
    broker_down: float = 10.0
    kill_leader: bool = False
    deadline: float = 900.0
    seed: int = 0


@dataclass
class Report:
    sent: int
    enriched: int
    duplicates: int
    dead_lettered: int
    lost: int
    seconds: float
    kills: int
    broker_restarts: int
    worker_exits: list[int | None] = field(default_factory=list)
    lost_ids: list[str] = field(default_factory=list)
    dead_letter_reasons: list[str] = field(default_factory=list)
    leader_kills: int = 0
    longest_pause: float | None = None  # seconds without a new enriched article, from the leader's kill on
    peak_brokers_mb: float = 0.0  # RSS of the broker processes together, at its peak
    peak_workers_mb: float = 0.0  # RSS of the workers with their CPU processes together, at its peak

    @property
    def own_exits(self) -> int:
        """Workers that exited without being killed or stopped by the run."""
        return max(0, len(self.worker_exits) - self.kills)

    def line(self) -> str:
        leader = (f" leader_kills={self.leader_kills} longest_pause={self.longest_pause:.1f}s"
                  f" own_exits={self.own_exits}" if self.longest_pause is not None else "")
        return (f"sent={self.sent} enriched={self.enriched} duplicates={self.duplicates} "
                f"dead_lettered={self.dead_lettered} lost={self.lost} seconds={self.seconds:.1f} "
                f"kills={self.kills} broker_restarts={self.broker_restarts} "
                f"worker_exits={dict(Counter(self.worker_exits))}{leader} "
                f"peak_rss_mb=brokers:{self.peak_brokers_mb:.0f},workers:{self.peak_workers_mb:.0f}")


async def wait_until(condition: Callable[[], bool], deadline: float, pause: float = 0.2) -> bool:
    """Poll `condition` until it holds (True) or the monotonic `deadline` passes (False)."""
    while True:
        if condition():
            return True
        if time.monotonic() >= deadline:
            return False
        await asyncio.sleep(pause)


class Memory:
    """Peak RSS of the brokers together and of the workers (with their CPU processes) together."""

    def __init__(self, brokers: Callable[[], list[int]], workers: Callable[[], list[int]]) -> None:
        self.brokers, self.workers = brokers, workers
        self.peak_brokers = self.peak_workers = 0

    @staticmethod
    def _rss(pids: list[int], children: bool) -> int:
        total = 0
        for pid in pids:
            with contextlib.suppress(psutil.NoSuchProcess):
                root = psutil.Process(pid)
                for process in [root, *(root.children(recursive=True) if children else [])]:
                    with contextlib.suppress(psutil.NoSuchProcess):
                        total += process.memory_info().rss
        return total

    async def run(self) -> None:
        while True:
            self.peak_brokers = max(self.peak_brokers, self._rss(self.brokers(), children=False))
            self.peak_workers = max(self.peak_workers, self._rss(self.workers(), children=True))
            await asyncio.sleep(1.0)


def broker_pids(broker: EmbeddedBroker | EmbeddedCluster | None) -> list[int]:
    nodes = broker.nodes if isinstance(broker, EmbeddedCluster) else [broker] if broker else []
    return [pid for node in nodes if (pid := node.running_pid()) is not None]


class Supervisor:
    """Keeps `count` workers running, restarting any that exits, and kills them on request."""

    def __init__(self, settings: Settings, agents: str, count: int, log_dir: Path) -> None:
        self.settings, self.agents, self.log_dir = settings, agents, log_dir
        self.slots = [WorkerProcess(settings, agents, log_dir).start() for _ in range(count)]
        self.exits: list[int | None] = []
        self.starts = 0

    async def watch(self) -> None:
        while True:
            for n, worker in enumerate(self.slots):
                assert worker.proc is not None
                if worker.proc.poll() is not None:
                    self.exits.append(worker.proc.returncode)
                    await asyncio.sleep(0.5)  # compose restarts with a short delay too
                    self.slots[n] = WorkerProcess(self.settings, self.agents, self.log_dir).start()
                    self.starts += 1
            await asyncio.sleep(0.2)

    def kill(self, slot: int, graceful: bool = False) -> WorkerProcess:
        """SIGKILL the worker's process group, or SIGTERM the worker (a stop, or a crash on start-up)."""
        victim = self.slots[slot]
        if graceful and victim.proc is not None:
            victim.proc.send_signal(signal.SIGTERM)
        else:
            victim.kill()
        return victim

    async def wait_replaced(self, slot: int, victim: WorkerProcess, timeout: float = 90.0) -> None:
        """Wait until the killed slot runs a new worker that has started its agents."""
        deadline = time.monotonic() + timeout
        await wait_until(lambda: self.slots[slot] is not victim, deadline)
        replacement = self.slots[slot]
        await wait_until(lambda: "Ready" in replacement.log(), deadline)

    def stop(self) -> None:
        for worker in self.slots:
            worker.stop()


class Progress:
    """Follows `enriched-articles` while the run goes on, to know when everything has arrived."""

    def __init__(self, settings: Settings, expected: set[str]) -> None:
        self.settings, self.expected, self.seen = settings, expected, set[str]()
        self.arrivals: list[float] = []  # monotonic time of each first arrival

    def longest_pause(self, since: float) -> float:
        """The longest time without a new enriched article, from `since` to the last arrival."""
        times = [since, *(t for t in self.arrivals if t > since)]
        return max((b - a for a, b in pairwise(times)), default=0.0)

    @property
    def complete(self) -> bool:
        return self.expected <= self.seen

    async def follow(self) -> None:
        consumer = AIOKafkaConsumer(topic_name(self.settings, "enriched_articles"), **client_options(self.settings),
                                    group_id=None, auto_offset_reset="earliest", enable_auto_commit=False,
                                    max_partition_fetch_bytes=self.settings.max_message_bytes)
        await consumer.start()
        try:
            while True:
                batch = await consumer.getmany(timeout_ms=500)
                now = time.monotonic()
                for messages in batch.values():
                    for message in messages:
                        if message.value is not None and (id_ := orjson.loads(message.value)["id"]) not in self.seen:
                            self.seen.add(id_)
                            self.arrivals.append(now)
        finally:
            await consumer.stop()


async def _restart_broker(broker: EmbeddedBroker, down: float) -> None:
    await asyncio.to_thread(broker.stop)
    await asyncio.sleep(down)
    await asyncio.to_thread(broker.start)


async def busiest_leader(settings: Settings, cluster: EmbeddedCluster) -> EmbeddedBroker:
    """The node leading most partitions of `raw-pages` and `clean-articles`: its loss moves the most."""
    from aiokafka.admin import AIOKafkaAdminClient

    admin = AIOKafkaAdminClient(**client_options(settings))
    await admin.start()
    try:
        described = await admin.describe_topics([topic_name(settings, "raw_pages"),
                                                 topic_name(settings, "clean_articles")])
    finally:
        await admin.close()
    leaders = Counter(p["leader"] for topic in described for p in topic["partitions"])
    node_id = leaders.most_common(1)[0][0]
    return next(node for node in cluster.nodes if node.node_id == node_id)


async def chaos(settings: Settings, plan: Plan, pages: list[tuple[str, bytes]], log_dir: Path,
                broker: EmbeddedBroker | EmbeddedCluster | None = None, say: bool = True) -> Report:
    """Run the scenario of `plan` on the cluster of `settings`; `broker` is needed for broker restarts."""
    if plan.broker_restarts and not isinstance(broker, EmbeddedBroker):
        raise ValueError("broker restarts need the embedded broker")
    if plan.kill_leader and not isinstance(broker, EmbeddedCluster):
        raise ValueError("a leader kill needs the embedded cluster")
    rng = random.Random(plan.seed)
    events = raw_pages(pages, plan.articles, settings.app_id)
    expected = {event.id for event in events}
    began = time.monotonic()
    await produce(settings, "raw_pages", [(e.id.encode(), encode(e)) for e in events])
    progress = Progress(settings, expected)
    supervisor = Supervisor(settings, plan.agents, plan.workers, log_dir)
    memory = Memory(lambda: broker_pids(broker), lambda: [w.proc.pid for w in supervisor.slots if w.proc])
    tasks = [asyncio.create_task(progress.follow()), asyncio.create_task(supervisor.watch()),
             asyncio.create_task(memory.run())]

    def note(what: str) -> None:
        if say:
            print(f"  {time.monotonic() - began:6.1f}s  {len(progress.seen)}/{len(expected)} enriched  {what}",
                  file=sys.stderr, flush=True)

    kills = restarts = 0
    leader_killed_at: float | None = None
    slot, victim = 0, supervisor.slots[0]
    restart_after = {round((k + 1) * plan.kills / (plan.broker_restarts + 1)) for k in range(plan.broker_restarts)}
    try:
        await wait_until(lambda: bool(progress.seen), began + plan.deadline)
        k = 0
        if isinstance(broker, EmbeddedCluster) and plan.kill_leader:
            await asyncio.sleep(plan.kill_every * rng.uniform(0.7, 1.3))
            leader = await busiest_leader(settings, broker)
            leader_killed_at = time.monotonic()
            pid = await asyncio.to_thread(leader.kill)
            note(f"killed broker {leader.node_id} (pid {pid}), the leader of most partitions")
            if plan.kills:  # a worker lost while the cluster fails over
                await asyncio.sleep(rng.uniform(1.0, 3.0))
                victim = supervisor.kill(slot)
                k = kills = 1
                note(f"killed worker {slot} while broker {leader.node_id} is down")
            await asyncio.sleep(max(0.0, leader_killed_at + plan.broker_down - time.monotonic()))
            await asyncio.to_thread(leader.start)
            note(f"broker {leader.node_id} is back")
        while k < plan.kills and not progress.complete:
            # Three kinds of kill in turn: unprovoked; the replacement stopped just after it joined (a member
            # that joins and goes, as a crash-looping one does); the survivor while the group settles.
            kind = k % 3
            if kind == 0:
                slot = k % plan.workers
                await asyncio.sleep(plan.kill_every * rng.uniform(0.7, 1.3))
            else:
                await supervisor.wait_replaced(slot, victim)
                await asyncio.sleep(rng.uniform(0.5, 3.0) if kind == 1 else rng.uniform(0.5, 5.0))
                slot = slot if kind == 1 else (slot + 1) % plan.workers
            if progress.complete:
                break
            victim = supervisor.kill(slot, graceful=kind == 1)
            k += 1
            kills += 1
            how = "stopped" if kind == 1 else "killed"
            note(f"{how} worker {slot} (pid {victim.proc.pid if victim.proc else '?'})")
            if k in restart_after and isinstance(broker, EmbeddedBroker):
                await supervisor.wait_replaced(slot, victim)
                note("stopping the broker")
                await _restart_broker(broker, plan.broker_down)
                restarts += 1
                note("broker is back")
                # Kills right after the restart, while every member rejoins.
                for delay in (rng.uniform(0.5, 2.0), rng.uniform(1.0, 3.0)):
                    if k >= plan.kills or progress.complete:
                        break
                    await asyncio.sleep(delay)
                    slot = (slot + 1) % plan.workers
                    victim = supervisor.kill(slot)
                    k += 1
                    kills += 1
                    note(f"killed worker {slot} after the restart")
        while restarts < plan.broker_restarts and isinstance(broker, EmbeddedBroker):
            await _restart_broker(broker, plan.broker_down)
            restarts += 1
        await wait_until(lambda: progress.complete, began + plan.deadline, pause=0.5)
        note("done" if progress.complete else "deadline reached")
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await asyncio.to_thread(supervisor.stop)
    seconds = time.monotonic() - began
    enriched = [e for e in await read_all(settings, "enriched_articles") if e["id"] in expected]
    letters = await read_all(settings, "dead_letters")
    ids = {e["id"] for e in enriched}
    return Report(sent=len(expected), enriched=len(ids), duplicates=len(enriched) - len(ids),
                  dead_lettered=len(letters), lost=len(expected - ids), seconds=seconds, kills=kills,
                  broker_restarts=restarts, worker_exits=supervisor.exits, lost_ids=sorted(expected - ids),
                  dead_letter_reasons=[f"{d['agent']}: {d['error_type']}: {d['reason']}" for d in letters],
                  leader_kills=int(leader_killed_at is not None),
                  longest_pause=progress.longest_pause(leader_killed_at) if leader_killed_at is not None else None,
                  peak_brokers_mb=memory.peak_brokers / 2**20, peak_workers_mb=memory.peak_workers / 2**20)


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--agents", default="cleaner,annotator")
    parser.add_argument("--kills", type=int, default=None, help="worker kills (default 6; 1 with --kill-leader)")
    parser.add_argument("--kill-every", type=float, default=9.0, help="mean seconds between unprovoked kills")
    parser.add_argument("--broker-restarts", type=int, default=None,
                        help="restarts of the single broker (default 1; 0 with --brokers > 1)")
    parser.add_argument("--brokers", type=int, default=1, help="nodes: more than one is a local replicated cluster")
    parser.add_argument("--kill-leader", action="store_true",
                        help="SIGKILL the node leading most partitions, and start it again after --broker-down")
    parser.add_argument("--broker-down", type=float, default=10.0, help="seconds the broker stays down")
    parser.add_argument("--partitions", type=int, default=8)
    parser.add_argument("--session-timeout", type=float, default=10.0)
    parser.add_argument("--runs", type=int, default=1, help="consecutive runs, each on fresh topics")
    parser.add_argument("--corpus", type=Path, default=Path("../shared/corpus"))
    parser.add_argument("--seed", type=int, default=None)
    args = parser.parse_args()
    if args.kill_leader and args.brokers < 3:
        parser.error("--kill-leader needs --brokers 3 or more: with fewer, a lost node stops writes at acks=all")
    kills = args.kills if args.kills is not None else (1 if args.kill_leader else 6)
    restarts = args.broker_restarts if args.broker_restarts is not None else (0 if args.brokers > 1 else 1)
    if restarts and args.brokers > 1:
        parser.error("--broker-restarts is for the single broker; with a cluster, use --kill-leader")

    logging.getLogger("aiokafka").setLevel(logging.CRITICAL)  # the run's own reader meets the faults too
    # A terminated run still stops its workers and its broker (the finally blocks below).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    pages = corpus_pages(args.corpus)
    work = Path(tempfile.mkdtemp(prefix="vestnik-chaos-"))
    base = Settings(broker_port=_free_port(), controller_port=_free_port(), bootstrap_servers="",
                    cache_dir=work / "cache")
    broker: EmbeddedBroker | EmbeddedCluster = (
        EmbeddedCluster(base, work / "kafka", args.brokers,
                        ports=tuple((_free_port(), _free_port()) for _ in range(args.brokers)))
        if args.brokers > 1 else EmbeddedBroker(base, work / "kafka"))
    broker.start()
    print(f"chaos: {len(pages)} corpus pages, broker {broker.bootstrap}, logs in {work}", file=sys.stderr)
    failed = 0
    try:
        for n in range(args.runs):
            run = f"chaos{n}-{int(time.time())}"
            settings = base.model_copy(update={
                "bootstrap_servers": broker.bootstrap, "app_id": run, "topic_prefix": f"{run}.",
                "topic_partitions": args.partitions, "session_timeout": args.session_timeout, "cpu_workers": 1,
                "web_enabled": False,
            })
            plan = Plan(articles=args.articles, workers=args.workers, agents=args.agents, kills=kills,
                        kill_every=args.kill_every, broker_restarts=restarts, broker_down=args.broker_down,
                        kill_leader=args.kill_leader, seed=args.seed if args.seed is not None else n)
            log_dir = work / run
            log_dir.mkdir()
            report = asyncio.run(chaos(settings, plan, pages, log_dir, broker))
            print(f"run {n + 1}: {report.line()}", flush=True)
            for reason in report.dead_letter_reasons[:5]:
                print(f"    dead letter: {reason}")
            failed += bool(report.lost or report.dead_lettered or (args.kill_leader and report.own_exits))
    finally:
        broker.stop()
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
