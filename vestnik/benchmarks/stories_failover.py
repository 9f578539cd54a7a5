"""Stories failover: how long the pipeline waits for story answers when the active stories worker dies.

Synthetic candidates with sentence vectors (vestnik.evaluation.story_speed's news) fill
`story-candidates`; two `vestnik worker --agents stories` processes share the
group, one assigning, one standing by and following the topic. Once every
candidate has its answer, the active worker's process group is SIGKILLed and one
more candidate is produced: the pause is the time from the kill to its answer.
Then every worker is stopped and a fresh one starts cold, with an empty index,
and the same is timed from its start: what a takeover cost before standbys kept
a warm index.

    python -m vestnik.benchmarks.stories_failover [--articles 20000] [--session-timeout 10]
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import socket
import sys
import tempfile
import time
from pathlib import Path

import orjson
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from agents.stories.encoder import Encoder, quantize
from schemas.models import StoryCandidate, StoryEmbedding, utc_now
from streams.codecs import encode
from streams.kafka import client_options, ensure_topics
from streams.settings import Settings
from streams.topics import topic_name
from vestnik.benchmarks.cluster import WorkerProcess
from vestnik.evaluation.story_speed import synthetic_articles
from vestnik.ops.broker import EmbeddedBroker


def candidates(count: int, start: int = 0) -> list[StoryCandidate]:
    info = Encoder().info
    made = []
    for number, article in enumerate(synthetic_articles(start + count, vectors=True)):
        if number < start:
            continue
        assert article.vector is not None
        made.append(StoryCandidate(
            id=f"{number:020x}", url=article.url or "", site=article.outlet or "", title=article.title,
            body=article.text, published_at=utc_now(),
            embedding=StoryEmbedding(encoder=info.name, encoder_version=info.version, int8=quantize(article.vector)),
        ))
    return made


async def produce_all(settings: Settings, items: list[StoryCandidate]) -> None:
    await ensure_topics(settings)
    producer = AIOKafkaProducer(**client_options(settings), linger_ms=20, enable_idempotence=True,
                                max_request_size=settings.max_message_bytes)
    await producer.start()
    try:
        sent = [await producer.send(topic_name(settings, "story_candidates"), encode(c), key=c.id.encode())
                for c in items]
        await asyncio.gather(*sent)
    finally:
        await producer.stop()


async def wait_for_answers(settings: Settings, wanted: set[str], timeout: float) -> float:
    """Seconds until every id in `wanted` has an answer on `article-stories`."""
    began = time.monotonic()
    consumer = AIOKafkaConsumer(topic_name(settings, "article_stories"), **client_options(settings),
                                group_id=None, auto_offset_reset="earliest", enable_auto_commit=False)
    await consumer.start()
    missing = set(wanted)
    try:
        while missing:
            if time.monotonic() - began > timeout:
                raise SystemExit(f"{len(missing)} answers missing after {timeout:.0f}s")
            for records in (await consumer.getmany(timeout_ms=200)).values():
                for record in records:
                    missing.discard(orjson.loads(record.value or b"{}").get("id"))
    finally:
        await consumer.stop()
    return time.monotonic() - began


def _last_index_line(worker: WorkerProcess) -> str:
    """What the worker last said of its story index (followed, up to date, rebuilt)."""
    lines = [line.split("] ")[-1].strip() for line in worker.log().splitlines() if "the story index" in line]
    return lines[-1] if lines else "nothing said of the story index"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def run(settings: Settings, articles: int, log_dir: Path) -> None:
    filling = candidates(articles)
    await produce_all(settings, filling)
    workers = [WorkerProcess(settings, "stories", log_dir).start() for _ in range(2)]
    try:
        await asyncio.gather(*(worker.wait_ready(180) for worker in workers))
        filled = await wait_for_answers(settings, {c.id for c in filling}, timeout=3600)
        print(f"{articles} candidates assigned in {filled:.1f}s ({articles / filled:.0f}/s, with a standby following)")
        owner = f"stories: assigned {topic_name(settings, 'story_candidates')}[0]"
        active = next(worker for worker in workers if owner in worker.log())
        await asyncio.sleep(5)  # the standby's follower reaches the end of the topic
        probe = candidates(1, start=articles)
        await asyncio.to_thread(active.kill)
        killed = time.monotonic()
        await produce_all(settings, probe)
        await wait_for_answers(settings, {probe[0].id}, timeout=600)
        warm = time.monotonic() - killed
        standby = next(worker for worker in workers if worker is not active)
        print(f"warm standby: first answer {warm:.1f}s after the kill"
              f" (session timeout {settings.session_timeout:.0f}s); {_last_index_line(standby)}")
    finally:
        for worker in workers:
            await asyncio.to_thread(worker.stop)
    cold = WorkerProcess(settings, "stories", log_dir).start()
    try:
        started = time.monotonic()
        probe = candidates(1, start=articles + 1)
        await produce_all(settings, probe)
        await wait_for_answers(settings, {probe[0].id}, timeout=3600)
        print(f"cold worker: first answer {time.monotonic() - started:.1f}s after its start; {_last_index_line(cold)}")
    finally:
        await asyncio.to_thread(cold.stop)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles", type=int, default=20_000, help="candidates in the window before the kill")
    parser.add_argument("--session-timeout", type=float, default=10.0)
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    work = Path(tempfile.mkdtemp(prefix="vestnik-stories-failover-"))
    base = Settings(broker_port=_free_port(), controller_port=_free_port(), bootstrap_servers="",
                    cache_dir=work / "cache")
    broker = EmbeddedBroker(base, work / "kafka")
    broker.start()
    run_id = f"failover-{int(time.time())}"
    settings = base.model_copy(update={
        "bootstrap_servers": broker.bootstrap, "app_id": run_id, "topic_prefix": f"{run_id}.",
        "session_timeout": args.session_timeout, "web_enabled": False,
    })
    print(f"stories failover: broker {broker.bootstrap}, logs in {work}", file=sys.stderr)
    try:
        asyncio.run(run(settings, args.articles, work))
    finally:
        broker.stop()


if __name__ == "__main__":
    main()
