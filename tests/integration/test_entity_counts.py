"""Entity counts on the real broker with two annotator workers: each article counted once, wherever it is read."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from agents.common.ids import article_id
from schemas.models import EntityMention, utc_now
from streams.codecs import encode
from streams.settings import Settings
from tests.conftest import free_port
from tests.integration.harness import WorkerProcess, produce
from vestnik.ops.top_entities import fetch_top

# Entity -> how many distinct articles mention it. A standby applies the changelog it replicates in batches
# of 1000 events per table, so copies of the other worker's counts show only past a thousand entities.
ARTICLES_PER_ENTITY = {f"{kind}:{kind.title()} {n}": 1 + n % 3 for kind in ("PER", "LOC", "ORG") for n in range(1000)}


def mentions() -> list[EntityMention]:
    events = []
    for entity_key, articles in ARTICLES_PER_ENTITY.items():
        kind, name = entity_key.split(":", 1)
        for n in range(articles):
            url = f"https://counts.example/{n}"
            events.append(EntityMention(entity_key=entity_key, type=kind, name=name, article_id=article_id(url),
                                        url=url, site="counts.example", count=1, salience=0.5,
                                        annotated_at=utc_now()))
    return events


async def counts_of(workers: list[str]) -> dict[str, int]:
    """The counts as `vestnik top-entities` reads them: summed over the workers' answers."""
    _, rows = await fetch_top(workers, None, len(ARTICLES_PER_ENTITY))
    return {row["entity"]: row["articles"] for row in rows}


async def test_two_workers_count_each_article_once_and_not_their_standby_copies(
    kafka_settings: Settings, tmp_path: Path
) -> None:
    # One window spans the whole run (windows start at multiples of their size since the epoch).
    settings = kafka_settings.model_copy(update={"topic_partitions": 4, "entity_window": 1e9,
                                                  "entity_windows_kept": 1, "table_standbys": 1})
    ports = [free_port(), free_port()]
    workers = [WorkerProcess(settings.model_copy(update={"web_port": port}), "annotator", tmp_path).start()
               for port in ports]
    webs = [f"http://{settings.web_host}:{port}" for port in ports]
    try:
        await asyncio.gather(*(worker.wait_ready() for worker in workers))
        # Every mention twice, as redelivery makes them: an article counts once per entity.
        await produce(settings, "entity_mentions", [(m.entity_key.encode(), encode(m)) for m in mentions() * 2])

        deadline = time.monotonic() + 120
        counts = await counts_of(webs)
        while any(counts.get(e, 0) < n for e, n in ARTICLES_PER_ENTITY.items()) and time.monotonic() < deadline:
            await asyncio.sleep(0.5)
            counts = await counts_of(webs)
        # Standbys apply what the owners write a little later: give their copies the time to show.
        await asyncio.sleep(5)
        counts = await counts_of(webs)
        wrong = {e: (counts.get(e), n) for e, n in ARTICLES_PER_ENTITY.items() if counts.get(e) != n}
        assert not wrong, f"{len(wrong)} entities miscounted (counted, true), e.g. {list(wrong.items())[:5]}"

        # Each entity is counted by the one worker that owns its partition.
        each = [await counts_of([web]) for web in webs]
        assert all(each), "a worker counts nothing: both should own partitions"
        assert not set(each[0]) & set(each[1]), "an entity counted by both workers"
    finally:
        for worker in workers:
            worker.stop()
