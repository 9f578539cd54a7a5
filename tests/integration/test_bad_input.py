"""Bad input on the real broker: a clear dead letter for each, and the worker goes on."""

from __future__ import annotations

from pathlib import Path

from schemas.models import CleanArticle, utc_now
from streams.codecs import encode
from streams.ids import article_id
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
