"""Bad input on the real broker: a clear dead letter for each, and the worker goes on."""

from __future__ import annotations

import base64
import hashlib
from pathlib import Path

import aiohttp
from prometheus_client.parser import text_string_to_metric_families

from agents.common.ids import article_id
from schemas.models import CleanArticle, RawPage, utc_now
from streams.codecs import encode
from streams.settings import Settings
from streams.topics import topic_name
from tests.integration.harness import WorkerProcess, collect, produce

RUSSIAN = "Министр иностранных дел России Сергей Лавров встретился в Москве с госсекретарём США. "


def article(name: str, body: str) -> CleanArticle:
    url = f"https://bad-input.example/{name}"
    return CleanArticle(id=article_id(url), url=url, site="bad-input.example", body=body, cleaner_version="test",
                        cleaned_at=utc_now())


async def test_annotator_dead_letters_bad_articles_and_keeps_going(kafka_settings: Settings, tmp_path: Path) -> None:
    bad = {
        "empty": article("empty", "   "),
        "huge": article("huge", RUSSIAN * 25_000),  # about 2 MB
        "english": article("english", "The Foreign Minister met the Secretary of State in Moscow. " * 20),
    }
    controls = article("controls", "\x00\x07" + RUSSIAN + "\x1b[31m" + RUSSIAN)
    good = article("good", RUSSIAN * 3)
    messages = [(a.id.encode(), encode(a)) for a in bad.values()]
    messages += [(b"schema", b'{"schema_name": "clean_article", "schema_version": 1, "id": "nope"}')]
    messages += [(controls.id.encode(), encode(controls)), (good.id.encode(), encode(good))]
    # One partition keeps the order: the good article comes after every bad one.
    settings = kafka_settings.model_copy(update={"topic_partitions": 1})
    await produce(settings, "clean_articles", messages)

    worker = WorkerProcess(settings, "annotator", tmp_path).start()
    try:
        await worker.wait_ready()
        enriched = await collect(settings, "enriched_articles",
                                 lambda ev: {e["id"] for e in ev} >= {good.id, controls.id})
        by_id = {e["id"]: e for e in enriched}
        assert {m["normal"] for m in by_id[good.id]["mentions"]} >= {"Сергей Лавров", "Москва"}
        cleaned = by_id[controls.id]
        assert all(cleaned["body"][m["start"]:m["stop"]] == m["text"] for m in cleaned["mentions"])
        assert not set(by_id) & {a.id for a in bad.values()}

        letters = await collect(settings, "dead_letters", lambda ev: len(ev) >= 4)
        assert {letter["agent"] for letter in letters} == {"annotator"}
        assert all(letter["source_topic"] == topic_name(settings, "clean_articles") for letter in letters)
        reasons = sorted(f"{letter['error_type']}: {letter['reason']}" for letter in letters)
        assert any(r.startswith("DecodeError") and "id" in r for r in reasons), reasons
        assert sum(r.startswith("UnannotatableText") for r in reasons) == 3, reasons
    finally:
        worker.stop()


def raw(name: str, content: bytes, content_type: str = "text/html; charset=utf-8") -> RawPage:
    url = f"https://bad-input.example/{name}.html"
    return RawPage(id=article_id(url), url=url, final_url=url, source="test", status=200,
                   headers={"content-type": content_type}, fetched_at=utc_now(),
                   content_sha256=hashlib.sha256(content).hexdigest(), content=content)


async def outcome_count(settings: Settings, agent: str, outcome: str) -> float:
    """A counter of the worker's `/metrics`, as Prometheus scrapes it."""
    async with aiohttp.ClientSession() as http, http.get(f"http://127.0.0.1:{settings.web_port}/metrics") as resp:
        text = await resp.text()
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == "vestnik_outcomes_total" and sample.labels == {"agent": agent, "outcome": outcome}:
                return sample.value
    return 0.0


async def test_cleaner_dead_letters_unreadable_pages_counts_non_articles_and_keeps_going(
    kafka_settings: Settings, tmp_path: Path
) -> None:
    unreadable = [
        raw("garbage", bytes(range(256)) * 64, "text/html"),
        raw("tables", b"<html><body>" + b"<table><tr><td>" * 2000 + b"x" * (5 * 1024 * 1024)
            + b"</td></tr></table>" * 2000 + b"</body></html>"),
        raw("bomb", b"<html><body>" + b"<div>" * 100_000 + b"</body></html>"),
    ]
    links = "".join(f'<li><a href="/news/{n}.html">Новость номер {n}</a></li>' for n in range(60))
    not_articles = [
        raw("empty", b"<html><head></head><body></body></html>"),
        raw("index", f"<html><body><ul>{links}</ul></body></html>".encode()),
    ]
    paragraphs = "".join(f"<p>{RUSSIAN * 2} Абзац {n}.</p>" for n in range(5))
    broken = raw("broken-charset", f"<html><body><article>{paragraphs}</article></body></html>".encode("cp1251"),
                 "text/html; charset=utf-8")
    good = raw("good", f"<html><body><article>{paragraphs}</article></body></html>".encode())
    settings = kafka_settings.model_copy(update={"topic_partitions": 1})
    pages = [*unreadable, *not_articles, broken, good]
    await produce(settings, "raw_pages", [(p.id.encode(), encode(p)) for p in pages])

    worker = WorkerProcess(settings, "cleaner", tmp_path).start()
    try:
        await worker.wait_ready()
        cleaned = await collect(settings, "clean_articles", lambda ev: good.id in {e["id"] for e in ev})
        by_id = {e["id"]: e for e in cleaned}
        assert "Сергей Лавров" in by_id[good.id]["body"]
        if broken.id in by_id:  # a mislabelled charset is either repaired or refused, never mojibake
            assert "Сергей Лавров" in by_id[broken.id]["body"]
        letters = await collect(settings, "dead_letters", lambda ev: len(ev) >= len(unreadable))
        assert {letter["agent"] for letter in letters} == {"cleaner"}
        assert {letter["error_type"] for letter in letters} <= {"UnreadablePage", "WorkTimeout"}
        assert all(letter["reason"] for letter in letters)
        assert not {p.id for p in [*unreadable, *not_articles]} & set(by_id)
        # An empty page and an index page are what crawling a news site meets: counted, never dead letters.
        lettered = {base64.b64decode(letter["key"]).decode() for letter in letters}
        assert lettered >= {p.id for p in unreadable} and not lettered & {p.id for p in not_articles}, lettered
        refused = await outcome_count(settings, "cleaner", "not_an_article")
        assert refused == len(not_articles) + (broken.id not in set(by_id) | lettered), refused
    finally:
        worker.stop()
