"""A rolling upgrade on the real broker: workers of this version take every event of a newer minor version.

Each agent gets an input carrying a field this version does not know. It must be processed, not
dead-lettered, and where the agent carries its input forward (a clean article into an enriched one),
the new field must be on the output.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from pathlib import Path
from typing import Any, ClassVar

import orjson
from aiohttp import web

from agents.common.ids import article_id, canonical_url
from schemas.models import (
    CleanArticle,
    CrawlRequest,
    Embed,
    EnrichedArticle,
    Entity,
    EntityMention,
    Event,
    RawPage,
    StoryCandidate,
    StoryEntity,
    utc_now,
)
from streams.bindings.crawler import frontier_key
from streams.codecs import encode
from streams.settings import Settings
from tests.integration.harness import LocalSite, WorkerProcess, collect, produce, read_all
from vestnik.ops.top_entities import fetch_top

SENTENCE = "Министр иностранных дел России Сергей Лавров встретился в Москве с госсекретарём США. "
BODY = "\n\n".join(f"{SENTENCE * 2}Абзац {n}." for n in range(5))
HTML = ("<html><head><title>Лавров встретился с госсекретарём</title></head><body><article>"
        + "".join(f"<p>{paragraph}</p>" for paragraph in BODY.split("\n\n")) + "</article></body></html>")


def newer(event: Event, **fields: Any) -> bytes:
    """The event as a producer of a newer minor version writes it: every field of v1, and some more."""
    return orjson.dumps(orjson.loads(encode(event)) | fields)


class NewsSite(LocalSite):
    """One article and an empty feed on 127.0.0.1: what the crawler fetches."""

    ARTICLE_PATH: ClassVar[str] = "/news/upgrade.html"

    async def _handle(self, request: web.Request) -> web.Response:
        if request.path == self.ARTICLE_PATH:
            return web.Response(text=HTML, content_type="text/html", charset="utf-8")
        if request.path == "/rss.xml":
            return web.Response(text='<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>'
                                     "</channel></rss>", content_type="application/rss+xml")
        return web.Response(status=404, text="Not Found")


def url_of(name: str) -> tuple[str, str]:
    url = f"https://upgrade.example/{name}.html"
    return url, article_id(url)


async def entity_counted(settings: Settings, entity_key: str, timeout: float = 120.0) -> bool:
    web_url = f"http://{settings.web_host}:{settings.web_port}"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        _, rows = await fetch_top([web_url], None, 1000)
        if any(row["entity"] == entity_key for row in rows):
            return True
        await asyncio.sleep(0.5)
    return False


async def test_every_agent_takes_events_of_a_newer_minor_version_and_passes_new_fields_on(
    kafka_settings: Settings, tmp_path: Path
) -> None:
    site = NewsSite()
    await site.start()
    settings = kafka_settings.model_copy(update={
        "feed_urls": [site.base_url + "/rss.xml"], "poll_interval": 3600.0, "entity_window": 1e9,
        "entity_windows_kept": 1,
    })
    now = utc_now()

    crawl_url = site.base_url + site.ARTICLE_PATH
    crawled_id = article_id(canonical_url(crawl_url))
    request = CrawlRequest(id=crawled_id, url=crawl_url, source="upgrade", discovered_at=now)

    raw_url, raw_id = url_of("raw")
    content = HTML.encode()
    page = RawPage(id=raw_id, url=raw_url, final_url=raw_url, source="upgrade", status=200,
                   headers={"content-type": "text/html; charset=utf-8"}, fetched_at=now,
                   content_sha256=hashlib.sha256(content).hexdigest(), content=content)

    clean_url, clean_id = url_of("clean")
    clean = CleanArticle(id=clean_id, url=clean_url, site="upgrade.example", title="Лавров в Москве", body=BODY,
                         embeds=[Embed(kind="telegram", handle="@mid_russia", text="Заявление МИД.")],
                         published_at=now, cleaner_version="test", cleaned_at=now)
    clean_json = orjson.loads(encode(clean))
    clean_json["embeds"][0]["views"] = 1200

    enriched_url, enriched_id = url_of("enriched")
    enriched = EnrichedArticle(id=enriched_id, url=enriched_url, site="upgrade.example", title="Новость",
                               body="Другая новость о переговорах в Женеве. " * 20, published_at=now,
                               cleaner_version="test", cleaned_at=now, annotator_version="test", annotated_at=now,
                               entities=[Entity(type="LOC", name="Женева", count=1, first_offset=30, salience=0.5)])
    enriched_json = orjson.loads(encode(enriched))
    enriched_json["entities"][0]["wikidata"] = "Q71"

    candidate_url, candidate_id = url_of("candidate")
    candidate = StoryCandidate(id=candidate_id, url=candidate_url, site="upgrade.example", title="Третья новость",
                               body="Совсем другая новость о погоде в Сочи. " * 20, published_at=now,
                               entities=[StoryEntity(type="LOC", name="Сочи", salience=0.9)])

    mention = EntityMention(entity_key="PER:Иван Будущев", type="PER", name="Иван Будущев",
                            article_id=candidate_id, url=candidate_url, site="upgrade.example", count=1,
                            salience=0.5, annotated_at=now)

    await produce(settings, "frontier", [(frontier_key(request.url).encode(), newer(request, priority=7))])
    await produce(settings, "raw_pages", [(page.id.encode(), newer(page, paywall=True))])
    await produce(settings, "clean_articles", [(clean.id.encode(), orjson.dumps(clean_json | {"sentiment": 0.3}))])
    await produce(settings, "enriched_articles",
                  [(enriched.id.encode(), orjson.dumps(enriched_json | {"reading_minutes": 2}))])
    await produce(settings, "story_candidates", [(candidate.id.encode(), newer(candidate, lead="Коротко."))])
    await produce(settings, "entity_mentions", [(mention.entity_key.encode(), newer(mention, wikidata="Q1"))])

    worker = WorkerProcess(settings, "crawler,cleaner,annotator,stories", tmp_path).start()
    try:
        await worker.wait_ready()
        raw = await collect(settings, "raw_pages", lambda ev: crawled_id in {e["id"] for e in ev}, timeout=180)
        cleaned = await collect(settings, "clean_articles",
                                lambda ev: {e["id"] for e in ev} >= {raw_id, crawled_id}, timeout=180)
        out = await collect(settings, "enriched_articles",
                            lambda ev: {e["id"] for e in ev} >= {clean_id, raw_id, crawled_id}, timeout=180)
        stories = await collect(settings, "article_stories",
                                lambda ev: {e["id"] for e in ev} >= {enriched_id, candidate_id, clean_id}, timeout=180)
        assert await entity_counted(settings, mention.entity_key), "the newer entity mention was not counted"
    finally:
        assert await asyncio.to_thread(worker.stop) == 0, worker.log()[-3000:]
        await site.stop()

    # Carried forward: the clean article's new fields, its embed's included, are on the enriched article,
    # and the fields the annotator computes are its own.
    annotated = next(e for e in out if e["id"] == clean_id)
    assert annotated["sentiment"] == 0.3
    assert annotated["embeds"][0]["views"] == 1200
    assert {m["normal"] for m in annotated["mentions"]} >= {"Сергей Лавров", "Москва"}
    # A new event built from another one takes none of its new fields.
    assert "priority" not in next(e for e in raw if e["id"] == crawled_id)
    assert "paywall" not in next(e for e in cleaned if e["id"] == raw_id)
    assert all("reading_minutes" not in e and "lead" not in e for e in stories)
    assert await read_all(settings, "dead_letters") == []
