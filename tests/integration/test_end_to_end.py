"""The whole pipeline on the real broker: demo site -> crawler -> cleaner -> annotator.

What this tests is mostly the plumbing: discovery, fetching, every topic hop, the ids,
the dead-letter path. The demo pages (the packaged ones, with their republished copy) are rendered
from their gold files, so their title and F1 assertions show that nothing is lost or garbled on the
way, not how well real markup is extracted; `vestnik eval clean` and the cleaner's unit tests measure
that. The site also serves the real saved pages of `tests/unit/fixtures/real` byte for byte, and those must
come out as their hand-checked title, first and last lines, so real markup is cleaned
end to end too.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

from agents.common.ids import article_id
from schemas.models import EnrichedArticle, RawPage, utc_now
from streams.codecs import encode
from streams.settings import Settings
from streams.topics import topic_name
from tests.integration.harness import WorkerProcess, collect, produce
from vestnik.demo.site import DemoSite
from vestnik.evaluation.cleaner import prf
from vestnik.ops.top_entities import fetch_top

REAL = Path(__file__).resolve().parents[1] / "unit" / "fixtures" / "real"
REAL_EXPECTED = {page["file"].removesuffix(".html.gz"): page for page in json.loads((REAL / "pages.json").read_text())}


@pytest.fixture
async def demo_site() -> Any:
    site = DemoSite(real_pages=sorted(REAL.glob("*.html.gz")))
    await site.start()
    yield site
    await site.stop()


async def test_seed_pages_flow_through_all_agents_and_bad_input_is_dead_lettered(
    kafka_settings: Settings, demo_site: DemoSite, tmp_path: Path
) -> None:
    # Polled every second: the republished copy is listed once its original has been read.
    settings = kafka_settings.model_copy(update={"feed_urls": [demo_site.feed_url], "poll_interval": 1.0})
    expected = {article_id(demo_site.url(page)): page for page in demo_site.pages if page.site != "real"}
    real = {article_id(demo_site.url(page)): REAL_EXPECTED[page.seed_id] for page in demo_site.pages
            if page.site == "real"}
    assert len(real) == len(REAL_EXPECTED) >= 2
    worker = WorkerProcess(settings, "crawler,cleaner,annotator", tmp_path).start()
    try:
        await worker.wait_ready()
        wanted = set(expected) | set(real)
        events = await collect(settings, "enriched_articles", lambda ev: {e["id"] for e in ev} >= wanted, timeout=240)

        by_id = {e["id"]: EnrichedArticle.model_validate(e) for e in events}
        entities: set[tuple[str, str]] = set()
        speakers: set[str | None] = set()
        money: set[tuple[float, str]] = set()
        for aid, page in expected.items():
            article, gold = by_id[aid], demo_site.gold(page)
            assert article.title == gold["title"], page.seed_id
            assert prf(article.body, gold["body"])[2] >= 0.95, page.seed_id  # the corpus scoring rule, one scorer
            assert len(article.embeds) == len(gold["embeds"]), page.seed_id
            for mention in article.mentions:
                assert article.body[mention.start:mention.stop] == mention.text
            assert all(article.body[q.start:q.stop] == q.text for q in article.quotes)
            entities |= {(e.type, e.name) for e in article.entities}
            speakers |= {q.speaker_entity for q in article.quotes}
            money |= {(m.amount, m.currency) for m in article.money}
        assert {("PER", "Андрей Селезнев"), ("ORG", "Северный кредит"), ("LOC", "Байкал")} <= entities
        assert {(48e6, "RUB"), (5e9, "RUB"), (1800.0, "EUR")} <= money
        for aid, page in real.items():
            article = by_id[aid]
            assert (article.site, article.title) == (page["site"], page["title"])
            assert article.body.startswith(page["starts_with"]) and article.body.endswith(page["ends_with"])
            assert article.entities, page["file"]
        assert {"Андрей Селезнев", "Марина Ковалева", "Ингрид Хольм", "Елена Рябинина"} <= speakers

        # A malformed raw event is dead-lettered with its reason; the next good one still goes through.
        html = demo_site.document(demo_site.pages[0])
        url = demo_site.base_url + "/replayed/article.html"
        good = RawPage(id=article_id(url), url=url, final_url=url, source="test", status=200,
                       headers={"content-type": "text/html; charset=utf-8"}, fetched_at=utc_now(),
                       content_sha256=hashlib.sha256(html).hexdigest(), content=html)
        await produce(settings, "raw_pages", [(b"broken", b"{not json"), (good.id.encode(), encode(good))])

        letters = await collect(settings, "dead_letters", lambda ev: any(e["agent"] == "cleaner" for e in ev))
        letter = next(e for e in letters if e["agent"] == "cleaner")
        assert letter["source_topic"] == topic_name(settings, "raw_pages")
        assert letter["error_type"] == "DecodeError" and "not JSON" in letter["reason"]
        assert base64.b64decode(letter["value"]) == b"{not json" and base64.b64decode(letter["key"]) == b"broken"
        await collect(settings, "enriched_articles", lambda ev: any(e["id"] == good.id for e in ev))

        mentions = await collect(settings, "entity_mentions",
                                 lambda ev: any(e["entity_key"] == "PER:Андрей Селезнев" for e in ev))
        assert all(m["article_id"] in by_id or m["article_id"] == good.id for m in mentions)

        # Who is in the news: the worker's windowed counts, read as `vestnik top-entities` reads them.
        named = sum(("PER", "Андрей Селезнев") in {(e.type, e.name) for e in a.entities} for a in by_id.values())
        web = f"http://{settings.web_host}:{settings.web_port}"
        rows: list[dict[str, Any]] = []

        def counted() -> bool:
            return any(r["name"] == "Андрей Селезнев" and r["articles"] >= named >= 2 for r in rows)

        for _ in range(60):
            _, rows = await fetch_top([web], "PER", 50)
            if counted():
                break
            await asyncio.sleep(0.5)
        assert counted(), rows
        assert rows and all(r["type"] == "PER" for r in rows)
    finally:
        await asyncio.to_thread(worker.stop)  # off the loop: the site on it keeps answering
