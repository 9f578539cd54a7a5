"""Chaos run: workers killed and the broker restarted mid-stream; counts what reaches the end.

Raw pages (the corpus pages, each under its own URL) are produced to `raw-pages`; worker
processes run under a supervisor that restarts any that exits, as compose `restart: always`
does. Workers are taken down again and again, in turn: a whole process group SIGKILLed at a
random moment; a replacement SIGTERMed just after it joined (a member that joins and goes);
the survivor SIGKILLed while the group settles. The broker is stopped and started again, with
kills right after it is back. At the end every produced id must be in `enriched-articles` and
nothing in `dead-letters`.

    python -m benchmarks.chaos --articles 1000 --kills 6 --broker-restarts 1
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import hashlib
import json
import random
import signal
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import orjson
from aiokafka import AIOKafkaConsumer

from agents.common.ids import article_id
from benchmarks.cluster import WorkerProcess, produce, read_all
from schemas.models import RawPage, utc_now
from streams.broker import EmbeddedBroker
from streams.codecs import encode
from streams.kafka import client_options
from streams.settings import Settings
from streams.topics import topic_name


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

    def line(self) -> str:
        return (f"sent={self.sent} enriched={self.enriched} duplicates={self.duplicates} "
                f"dead_lettered={self.dead_lettered} lost={self.lost} seconds={self.seconds:.1f} "
                f"kills={self.kills} broker_restarts={self.broker_restarts} "
                f"worker_exits={dict(Counter(self.worker_exits))}")


async def wait_until(condition: Callable[[], bool], deadline: float, pause: float = 0.2) -> bool:
    """Poll `condition` until it holds (True) or the monotonic `deadline` passes (False)."""
    while True:
        if condition():
            return True
        if time.monotonic() >= deadline:
            return False
        await asyncio.sleep(pause)


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
                for messages in batch.values():
                    self.seen.update(orjson.loads(m.value)["id"] for m in messages if m.value is not None)
        finally:
            await consumer.stop()


async def _restart_broker(broker: EmbeddedBroker, down: float) -> None:
    await asyncio.to_thread(broker.stop)
    await asyncio.sleep(down)
    await asyncio.to_thread(broker.start)


async def chaos(settings: Settings, plan: Plan, pages: list[tuple[str, bytes]], log_dir: Path,
                broker: EmbeddedBroker | None = None, say: bool = True) -> Report:
    """Run the scenario of `plan` on the cluster of `settings`; `broker` is needed for broker restarts."""
    if plan.broker_restarts and broker is None:
        raise ValueError("broker restarts need the embedded broker")
    rng = random.Random(plan.seed)
    events = raw_pages(pages, plan.articles, settings.app_id)
    expected = {event.id for event in events}
    began = time.monotonic()
    await produce(settings, "raw_pages", [(e.id.encode(), encode(e)) for e in events])
    progress = Progress(settings, expected)
    supervisor = Supervisor(settings, plan.agents, plan.workers, log_dir)
    tasks = [asyncio.create_task(progress.follow()), asyncio.create_task(supervisor.watch())]

    def note(what: str) -> None:
        if say:
            print(f"  {time.monotonic() - began:6.1f}s  {len(progress.seen)}/{len(expected)} enriched  {what}",
                  file=sys.stderr, flush=True)

    kills = restarts = 0
    slot, victim = 0, supervisor.slots[0]
    restart_after = {round((k + 1) * plan.kills / (plan.broker_restarts + 1)) for k in range(plan.broker_restarts)}
    try:
        await wait_until(lambda: bool(progress.seen), began + plan.deadline)
        k = 0
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
            if k in restart_after and broker is not None:
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
        while restarts < plan.broker_restarts and broker is not None:
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
                  dead_letter_reasons=[f"{d['agent']}: {d['error_type']}: {d['reason']}" for d in letters])


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
    parser.add_argument("--kills", type=int, default=6)
    parser.add_argument("--kill-every", type=float, default=9.0, help="mean seconds between unprovoked kills")
    parser.add_argument("--broker-restarts", type=int, default=1)
    parser.add_argument("--broker-down", type=float, default=10.0, help="seconds the broker stays down")
    parser.add_argument("--partitions", type=int, default=8)
    parser.add_argument("--session-timeout", type=float, default=10.0)
    parser.add_argument("--runs", type=int, default=1, help="consecutive runs, each on fresh topics")
    parser.add_argument("--corpus", type=Path, default=Path("../shared/corpus"))
    parser.add_argument("--seed", type=int, default=None)
    args = parser.parse_args()

    # A terminated run still stops its workers and its broker (the finally blocks below).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    pages = corpus_pages(args.corpus)
    work = Path(tempfile.mkdtemp(prefix="vestnik-chaos-"))
    base = Settings(broker_port=_free_port(), controller_port=_free_port(), bootstrap_servers="",
                    cache_dir=work / "cache")
    broker = EmbeddedBroker(base, work / "kafka")
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
            plan = Plan(articles=args.articles, workers=args.workers, agents=args.agents, kills=args.kills,
                        kill_every=args.kill_every, broker_restarts=args.broker_restarts,
                        broker_down=args.broker_down, seed=args.seed if args.seed is not None else n)
            log_dir = work / run
            log_dir.mkdir()
            report = asyncio.run(chaos(settings, plan, pages, log_dir, broker))
            print(f"run {n + 1}: {report.line()}", flush=True)
            for reason in report.dead_letter_reasons[:5]:
                print(f"    dead letter: {reason}")
            failed += bool(report.lost or report.dead_lettered)
    finally:
        broker.stop()
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
