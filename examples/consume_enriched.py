"""Keep a SQLite table of vestnik's enriched articles: one row per article id, the newest version.

Copy it and adapt it: it needs only aiokafka (`pip install aiokafka`), no vestnik package. Delivery is
at least once: rows are committed to SQLite before the Kafka offsets, so a crash replays events, and an
upsert by `id` makes a replayed event harmless. See docs/consuming.md.

    python consume_enriched.py --bootstrap localhost:9092 --db articles.db [--idle-seconds 30]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sqlite3
import time
from datetime import UTC, datetime
from typing import Any

from aiokafka import AIOKafkaConsumer

SCHEMA = """CREATE TABLE IF NOT EXISTS articles (id TEXT PRIMARY KEY, url TEXT NOT NULL, site TEXT NOT NULL,
    title TEXT, published_at TEXT, entities_json TEXT NOT NULL, updated_at TEXT NOT NULL)"""
UPSERT = """INSERT INTO articles (id, url, site, title, published_at, entities_json, updated_at)
    VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET url = excluded.url, site = excluded.site,
    title = excluded.title, published_at = excluded.published_at, entities_json = excluded.entities_json,
    updated_at = excluded.updated_at"""


def to_row(event: dict[str, Any]) -> tuple[Any, ...] | None:
    """The row of one event; None for a contract this consumer does not know (a v2 comes on another topic)."""
    if (event["schema_name"], event["schema_version"]) != ("enriched_article", 1):
        return None
    entities = json.dumps(event.get("entities", []), ensure_ascii=False)
    # updated_at: when this consumer last wrote the row (the event's own times are cleaned_at, annotated_at).
    return (event["id"], event["url"], event["site"], event.get("title"), event.get("published_at"),
            entities, datetime.now(UTC).isoformat())


async def consume(args: argparse.Namespace) -> int:
    db = sqlite3.connect(args.db)
    db.execute(SCHEMA)
    consumer = AIOKafkaConsumer(
        args.topic, bootstrap_servers=args.bootstrap, group_id=args.group, auto_offset_reset="earliest",
        enable_auto_commit=False, max_partition_fetch_bytes=8 * 1024 * 1024,  # articles may be large
    )
    await consumer.start()
    written, joined, last_seen = 0, False, time.monotonic()
    try:
        while not args.idle_seconds or time.monotonic() - last_seen < args.idle_seconds:
            batch = await consumer.getmany(timeout_ms=1000)
            if batch or (not joined and consumer.assignment()):  # the idle clock restarts once the group is joined
                joined, last_seen = True, time.monotonic()
            # One id lives on one partition, in order: applying each partition's messages in order is enough.
            rows = [row for messages in batch.values() for message in messages
                    if message.value is not None and (row := to_row(json.loads(message.value)))]
            with db:  # the SQLite commit comes first ...
                db.executemany(UPSERT, rows)
            if batch:  # ... then the offsets: at least once
                await consumer.commit({tp: messages[-1].offset + 1 for tp, messages in batch.items()})
            written += len(rows)
    finally:
        await consumer.stop()
        db.close()
    return written


def main() -> None:
    prefix = os.environ.get("VESTNIK_TOPIC_PREFIX", "vestnik.")
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bootstrap", default=os.environ.get("VESTNIK_BOOTSTRAP_SERVERS") or "127.0.0.1:19092",
                        help="Kafka host:port[,...] (default: $VESTNIK_BOOTSTRAP_SERVERS, else the embedded broker)")
    parser.add_argument("--topic", default=os.environ.get("ENRICHED_TOPIC", f"{prefix}enriched-articles"),
                        help="default: $ENRICHED_TOPIC, else $VESTNIK_TOPIC_PREFIX (vestnik.) + enriched-articles")
    parser.add_argument("--group", default=os.environ.get("CONSUMER_GROUP", "enriched-to-sqlite"),
                        help="consumer group: its committed offsets are where a restart resumes")
    parser.add_argument("--db", default="articles.db", help="SQLite file")
    parser.add_argument("--idle-seconds", type=float, default=0.0,
                        help="stop after this long without messages (default 0: run for ever)")
    args = parser.parse_args()
    written = asyncio.run(consume(args))
    print(f"upserted {written} event(s) into {args.db}")


if __name__ == "__main__":
    main()
