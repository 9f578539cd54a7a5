"""The pipeline through a real broker: sustained rate, latency at a fixed offered rate, memory, broker CPU.

Each set-up runs on fresh topics and groups. Workers start, join and warm up on a
few pages (models load, the groups settle); then the measured pages are produced
at once and the rate runs from the first enriched arrival to the last, as a
backlog drains. Latency is from the send of a raw page to the arrival of its
enriched event, with pages offered at a fixed rate.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import math
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import orjson
import psutil
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from agents.common.ids import article_id
from schemas.models import RawPage, utc_now
from streams.codecs import encode
from streams.kafka import client_options, ensure_topics
from streams.settings import Settings
from streams.topics import topic_name
from vestnik.benchmarks.cluster import WorkerProcess

AGENTS = "cleaner,annotator"
JIT_THREAD = re.compile(r"C[12] CompilerThre")  # HotSpot's compiler threads, as /proc names them


@dataclass
class Throughput:
    workers: int
    articles: int
    seconds: float
    rate: float
    peak_rss_mb: list[float]  # each worker with its CPU processes, at the moment their sum peaked
    peak_loop_rss_mb: list[float]  # each worker's own process alone
    worker_cores: float  # CPU seconds of the workers (with their CPU processes) per second
    loop_ms: float  # CPU per article in the workers' own processes: Kafka, events, the event loop
    pool_ms: float  # CPU per article in their CPU processes: extraction and NER
    broker_cores: float | None  # the same for the broker, when it runs on this machine
    broker_ms: float | None  # the broker's CPU per article: it serves the bench's producer and reader too
    broker_jit_ms: float | None  # the broker's JIT compiler threads per article, left out of broker_ms
    machine_cores: float  # every process on the machine, the bench's own included


# An article's path, each step between two wall-clock marks: the bench's send, the times the agents
# built their events (after their CPU jobs), the records' produce times, and the reader's arrival.
STEPS = (
    ("to the cleaner, through extraction", "sent", "cleaned"),
    ("cleaner: in order, produced", "cleaned", "clean_sent"),
    ("to the annotator, through NER", "clean_sent", "annotated"),
    ("annotator: in order, produced", "annotated", "enriched_sent"),
    ("acknowledged, read", "enriched_sent", "arrived"),
)


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


@dataclass
class Latency:
    workers: int
    offered_rate: float
    articles: int
    seconds: list[float] = field(default_factory=list)
    steps: dict[str, list[float]] = field(default_factory=dict)  # step -> seconds, in the order of `seconds`
    sent: list[float] = field(default_factory=list)  # when each was sent, seconds into the run

    def percentile(self, p: float) -> float:
        return percentile(self.seconds, p)

    def slowest(self, n: int) -> list[tuple[float, float, dict[str, float]]]:
        """The `n` slowest articles: when each was sent, its latency, and what each step took."""
        worst = sorted(range(len(self.seconds)), key=lambda i: -self.seconds[i])[:n]
        return [(self.sent[i], self.seconds[i], {step: times[i] for step, times in self.steps.items()})
                for i in worst]


def _wall(stamp: str) -> float:
    """An event's time, to the millisecond as record timestamps are: a step between the two is never below 0."""
    return math.floor(datetime.fromisoformat(stamp).timestamp() * 1000) / 1000


def raw_page(url: str, html: bytes, tag: str) -> RawPage:
    """A raw page of `html` under a URL (so an id) of its own."""
    copy = f"{url}{'&' if '?' in url else '?'}bench={tag}"
    return RawPage(id=article_id(copy), url=copy, final_url=copy, source="bench", status=200,
                   headers={"content-type": "text/html"}, fetched_at=utc_now(),
                   content_sha256=hashlib.sha256(html).hexdigest(), content=html)


class Arrivals:
    """When each enriched article first arrived (monotonic seconds), and the wall-clock marks of its path."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.at: dict[str, float] = {}
        self.marks: dict[str, dict[str, float]] = {}  # article id -> STEPS' marks the topics carry

    async def follow(self) -> None:
        clean, enriched = topic_name(self.settings, "clean_articles"), topic_name(self.settings, "enriched_articles")
        consumer = AIOKafkaConsumer(clean, enriched, **client_options(self.settings),
                                    group_id=None, auto_offset_reset="earliest", enable_auto_commit=False,
                                    fetch_max_wait_ms=50)
        await consumer.start()
        try:
            while True:
                batch = await consumer.getmany(timeout_ms=200)
                now, wall = time.monotonic(), time.time()
                for messages in batch.values():
                    for message in messages:
                        if message.value is not None:
                            self._arrived(message.topic == enriched, orjson.loads(message.value),
                                          message.timestamp / 1000, now, wall)
        finally:
            await consumer.stop()

    def _arrived(self, is_enriched: bool, event: dict[str, Any], produced: float, now: float, wall: float) -> None:
        marks = self.marks.setdefault(event["id"], {})
        if not is_enriched:
            marks.setdefault("clean_sent", produced)
            return
        if event["id"] not in self.at:
            self.at[event["id"]] = now
            marks.update(cleaned=_wall(event["cleaned_at"]), annotated=_wall(event["annotated_at"]),
                         enriched_sent=produced, arrived=wall)

    async def wait_for(self, ids: set[str], timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while not ids <= self.at.keys():
            if time.monotonic() > deadline:
                missing = len(ids - self.at.keys())
                raise TimeoutError(f"{missing} of {len(ids)} articles not enriched within {timeout:.0f}s")
            await asyncio.sleep(0.05)


class Sampler:
    """Peak RSS of each worker with its CPU processes, sampled while a set-up runs; CPU time over a window."""

    def __init__(self, workers: list[WorkerProcess], broker_pid: int | None) -> None:
        self.pids = [w.proc.pid for w in workers if w.proc is not None]
        self.broker = psutil.Process(broker_pid) if broker_pid else None
        self.peak = [0] * len(self.pids)
        self.peak_loop = [0] * len(self.pids)

    @staticmethod
    def _tree(pid: int) -> list[psutil.Process]:
        try:
            root = psutil.Process(pid)
            return [root, *root.children(recursive=True)]
        except psutil.NoSuchProcess:
            return []

    def _cpu(self, processes: list[psutil.Process]) -> float:
        total = 0.0
        for process in processes:
            with contextlib.suppress(psutil.NoSuchProcess):
                times = process.cpu_times()
                total += times.user + times.system
        return total

    def _broker_cpu(self) -> tuple[float, float]:
        """The broker's CPU seconds: its work, and its JIT compilers'.

        A freshly started JVM compiles its hot code for minutes; a broker that has run
        for days has long done so. That one-off cost is counted apart, not per article.
        """
        if self.broker is None:
            return 0.0, 0.0
        total, jit = self._cpu([self.broker]), 0.0
        with contextlib.suppress(psutil.Error, OSError):
            for thread in self.broker.threads():
                name = Path(f"/proc/{self.broker.pid}/task/{thread.id}/comm")
                if name.exists() and JIT_THREAD.match(name.read_text()):
                    jit += thread.user_time + thread.system_time
        return total - jit, jit

    def cpu(self) -> tuple[float, float, float, float, float]:
        """CPU seconds so far of the workers' own processes, of their CPU processes, of the broker (its work, its
        JIT compilers) and of the machine."""
        trees = [self._tree(pid) for pid in self.pids]
        loops = self._cpu([tree[0] for tree in trees if tree])
        pools = self._cpu([p for tree in trees for p in tree[1:]])
        broker, jit = self._broker_cpu()
        machine = psutil.cpu_times()
        return loops, pools, broker, jit, machine.user + machine.system + getattr(machine, "nice", 0.0)

    async def run(self) -> None:
        while True:
            for n, pid in enumerate(self.pids):
                sizes = []
                for process in self._tree(pid):
                    with contextlib.suppress(psutil.NoSuchProcess):
                        sizes.append(process.memory_info().rss)
                if sizes:
                    self.peak[n] = max(self.peak[n], sum(sizes))
                    self.peak_loop[n] = max(self.peak_loop[n], sizes[0])
            await asyncio.sleep(0.2)


async def _send(producer: AIOKafkaProducer, settings: Settings, page: RawPage) -> asyncio.Future[object]:
    future: asyncio.Future[object] = await producer.send(topic_name(settings, "raw_pages"), value=encode(page),
                                                         key=page.id.encode())
    return future


def _assigned(log: str, agent: str) -> int:
    """How many partitions the worker's latest assignment for `agent` holds, from its log."""
    lines = re.findall(rf"{agent}: assigned (.*)$", log, flags=re.MULTILINE)
    return len([part for part in lines[-1].split(", ") if part.strip()]) if lines else 0


async def _wait_settled(workers: list[WorkerProcess], partitions: int, timeout: float) -> None:
    """Wait until the workers' latest assignments cover every partition of each agent's input, once."""
    deadline = time.monotonic() + timeout
    while True:
        logs = [w.log() for w in workers]
        counts = {agent: sum(_assigned(log, agent) for log in logs) for agent in AGENTS.split(",")}
        if all(count == partitions for count in counts.values()):
            return
        if time.monotonic() > deadline:
            raise TimeoutError(f"assignments not settled: {counts} of {partitions} partitions")
        await asyncio.sleep(0.5)


async def run_setup(settings: Settings, workers: int, pages: list[tuple[str, bytes]], articles: int,
                    log_dir: Path, broker_pid: int | None, latency_seconds: float = 0.0, warm_up: int = 100,
                    say: Callable[[str], object] = print) -> tuple[Throughput, Latency | None]:
    """Measure `workers` worker processes on fresh topics; then, for `latency_seconds`, latency at half the rate."""
    await ensure_topics(settings)
    processes = [WorkerProcess(settings, AGENTS, log_dir).start() for _ in range(workers)]
    arrivals = Arrivals(settings)
    sampler = Sampler(processes, broker_pid)
    tasks = [asyncio.create_task(arrivals.follow()), asyncio.create_task(sampler.run())]
    # Standing in for the crawler: its pages reach the broker as the crawler's publisher sends them.
    producer = AIOKafkaProducer(**client_options(settings), max_request_size=settings.max_message_bytes,
                                linger_ms=5, acks="all", compression_type="zstd")
    await producer.start()
    try:
        await asyncio.gather(*(w.wait_ready(timeout=180) for w in processes))
        # Enough pages for the broker's JIT and the workers' caches to warm up, not only to load the models.
        warm = [raw_page(url, html, f"{settings.app_id}-warm-{n}")
                for n, (url, html) in enumerate((pages * 4)[:warm_up])]
        await asyncio.gather(*[await _send(producer, settings, page) for page in warm])
        await arrivals.wait_for({page.id for page in warm}, timeout=180)
        await _wait_settled(processes, settings.topic_partitions, timeout=120)
        say(f"  {workers} worker(s) ready; producing {articles} pages")

        batch = [raw_page(url, html, f"{settings.app_id}-{n}")
                 for n, (url, html) in enumerate((pages * (articles // len(pages) + 1))[:articles])]
        cpu_before, began = sampler.cpu(), time.monotonic()
        await asyncio.gather(*[await _send(producer, settings, page) for page in batch])
        ids = {page.id for page in batch}
        await arrivals.wait_for(ids, timeout=max(600.0, articles))
        cpu_after, ended = sampler.cpu(), time.monotonic()
        times = sorted(arrivals.at[i] for i in ids)
        seconds = times[-1] - times[0]
        wall = ended - began
        loops, pools, broker, jit, machine = (after - before
                                              for after, before in zip(cpu_after, cpu_before, strict=True))
        throughput = Throughput(
            workers=workers, articles=articles, seconds=seconds, rate=(articles - 1) / seconds,
            peak_rss_mb=[], peak_loop_rss_mb=[], worker_cores=(loops + pools) / wall, loop_ms=loops / articles * 1000,
            pool_ms=pools / articles * 1000, broker_cores=broker / wall if broker_pid else None,
            broker_ms=broker / articles * 1000 if broker_pid else None,
            broker_jit_ms=jit / articles * 1000 if broker_pid else None,
            machine_cores=machine / wall,
        )
        say(f"  {workers} worker(s): {throughput.rate:.2f} articles/s")

        latency = None
        if latency_seconds > 0:
            offered_rate = throughput.rate / 2
            say(f"  offering {offered_rate:.2f} articles/s for {latency_seconds:.0f}s")
            latency = await _latency(settings, producer, arrivals, pages, workers, offered_rate, latency_seconds)
            say(f"  latency at {offered_rate:.2f} articles/s: p50 {latency.percentile(50):.3f}s"
                f" p99 {latency.percentile(99):.3f}s")
        throughput.peak_rss_mb = [rss / 2**20 for rss in sampler.peak]
        throughput.peak_loop_rss_mb = [rss / 2**20 for rss in sampler.peak_loop]
        return throughput, latency
    finally:
        await producer.stop()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await asyncio.gather(*(asyncio.to_thread(w.stop) for w in processes))


async def _latency(settings: Settings, producer: AIOKafkaProducer, arrivals: Arrivals,
                   pages: list[tuple[str, bytes]], workers: int, rate: float, seconds: float) -> Latency:
    """Offer pages at `rate` for `seconds`; each page's latency is from its send to its enriched arrival."""
    count = max(10, round(rate * seconds))
    sent: dict[str, float] = {}
    sent_wall: dict[str, float] = {}
    acks = []
    began = time.monotonic()
    for n in range(count):
        url, html = pages[n % len(pages)]
        page = raw_page(url, html, f"{settings.app_id}-latency-{n}")  # built before its slot, not in it
        await asyncio.sleep(max(0.0, began + n / rate - time.monotonic()))
        sent[page.id], sent_wall[page.id] = time.monotonic(), time.time()
        acks.append(await _send(producer, settings, page))
    await asyncio.gather(*acks)
    await arrivals.wait_for(set(sent), timeout=300)
    marks = {i: {"sent": sent_wall[i], **arrivals.marks[i]} for i in sent}
    steps = {step: [marks[i].get(end, math.nan) - marks[i].get(start, math.nan) for i in sent]
             for step, start, end in STEPS}
    return Latency(workers=workers, offered_rate=rate, articles=count,
                   seconds=[arrivals.at[i] - sent[i] for i in sent], steps=steps,
                   sent=[sent[i] - began for i in sent])
