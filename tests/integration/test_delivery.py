"""At-least-once on the real broker: a worker killed mid-stream loses no event."""

from __future__ import annotations

import hashlib
from pathlib import Path

from schemas.models import RawPage, utc_now
from streams.codecs import encode
from streams.demo_site import DemoSite
from streams.ids import article_id
from streams.settings import Settings
from tests.integration.harness import WorkerProcess, collect, produce


def raw_pages(site: DemoSite, count: int) -> list[RawPage]:
    pages = []
    for n in range(count):
        page = site.pages[n % len(site.pages)]
        html = site.document(page)
        url = f"https://replay.example/{n}/{page.path.lstrip('/')}"
        pages.append(RawPage(id=article_id(url), url=url, final_url=url, source="replay", status=200,
                             headers={"content-type": "text/html; charset=utf-8"}, fetched_at=utc_now(),
                             content_sha256=hashlib.sha256(html).hexdigest(), content=html))
    return pages


async def test_killed_cleaner_loses_no_event(kafka_settings: Settings, corpus_dir: Path, tmp_path: Path) -> None:
    # A short session timeout: the killed member's partitions move to the next worker sooner.
    kafka_settings = kafka_settings.model_copy(update={"session_timeout": 8.0})
    site = DemoSite(corpus_dir)
    pages = raw_pages(site, 40)
    expected = {page.id for page in pages}
    await produce(kafka_settings, "raw_pages", [(p.id.encode(), encode(p)) for p in pages])

    first = WorkerProcess(kafka_settings, "cleaner", tmp_path).start()
    try:
        await first.wait_ready()
        partial = await collect(kafka_settings, "clean_articles", lambda ev: len(ev) >= 5, timeout=120)
        assert 5 <= len({e["id"] for e in partial}) < len(expected), "kill must land mid-stream"
    finally:
        first.kill()

    second = WorkerProcess(kafka_settings, "cleaner", tmp_path).start()
    try:
        await second.wait_ready()
        events = await collect(kafka_settings, "clean_articles", lambda ev: {e["id"] for e in ev} >= expected,
                               timeout=180)
        assert {e["id"] for e in events} == expected
    finally:
        second.stop()
