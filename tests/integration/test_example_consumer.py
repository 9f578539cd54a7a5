"""examples/consume_enriched.py: it upserts by id on the real broker, and reads only what the contract has."""

from __future__ import annotations

import ast
import asyncio
import json
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import schemas
from agents.common.ids import article_id
from schemas.models import EnrichedArticle, Entity
from streams.codecs import encode
from streams.settings import Settings
from streams.topics import topic_name
from tests.integration.harness import ROOT, produce

EXAMPLE = ROOT / "examples" / "consume_enriched.py"
COLUMNS = ("id", "url", "site", "title", "published_at", "entities_json", "updated_at")


def article(url: str, title: str) -> EnrichedArticle:
    now = datetime.now(UTC)
    return EnrichedArticle(
        id=article_id(url), url=url, site="example.ru", title=title, body="Владимир Путин прибыл в Казань.",
        published_at=now, cleaner_version="test", cleaned_at=now, annotator_version="test", annotated_at=now,
        entities=[Entity(type="PER", name="Владимир Путин", count=1, first_offset=0, salience=1.0)],
    )


def run_example(settings: Settings, db: Path, group: str) -> str:
    done = subprocess.run(
        [sys.executable, str(EXAMPLE), "--bootstrap", ",".join(settings.servers),
         "--topic", topic_name(settings, "enriched_articles"), "--group", group, "--db", str(db),
         "--idle-seconds", "5"],
        cwd=ROOT, capture_output=True, text=True, timeout=120, check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


async def test_the_example_keeps_the_newest_version_of_each_article(kafka_settings: Settings, tmp_path: Path) -> None:
    first = article("https://example.ru/news/1", "Первый заголовок")
    other = article("https://example.ru/news/2", "Другая новость")
    second = article("https://example.ru/news/1", "Исправленный заголовок")  # the same id, a later version
    assert first.id == second.id != other.id
    await produce(kafka_settings, "enriched_articles",
                  [(event.id.encode(), encode(event)) for event in (first, other, second)])

    db, group = tmp_path / "x.db", f"{kafka_settings.app_id}-example"
    out = await asyncio.to_thread(run_example, kafka_settings, db, group)
    assert "upserted 3 event(s)" in out

    with sqlite3.connect(db) as conn:
        rows = {row[0]: row for row in conn.execute(f"SELECT {', '.join(COLUMNS)} FROM articles")}
    assert set(rows) == {first.id, other.id}
    _, url, site, title, published_at, entities_json, updated_at = rows[first.id]
    assert (url, site, title) == (second.url, "example.ru", "Исправленный заголовок")
    assert published_at is not None and datetime.fromisoformat(published_at) == second.published_at
    assert json.loads(entities_json)[0]["name"] == "Владимир Путин"
    assert updated_at
    assert rows[other.id][3] == "Другая новость"

    # Offsets were committed after the rows: the same group starts where it stopped.
    out = await asyncio.to_thread(run_example, kafka_settings, db, group)
    assert "upserted 0 event(s)" in out


def fields_read(source: str) -> tuple[set[str], set[str]]:
    """The event fields the example reads: as `event["x"]` (must be there) and as `event.get("x")` (may be absent)."""
    required: set[str] = set()
    optional: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if (isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name) and node.value.id == "event"
                and isinstance(node.slice, ast.Constant)):
            required.add(str(node.slice.value))
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "get"
                and isinstance(node.func.value, ast.Name) and node.func.value.id == "event"
                and node.args and isinstance(node.args[0], ast.Constant)):
            optional.add(str(node.args[0].value))
    return required, optional


def test_the_example_reads_only_fields_of_the_enriched_schema() -> None:
    schema = schemas.load(EnrichedArticle.schema_id())
    required, optional = fields_read(EXAMPLE.read_text(encoding="utf-8"))
    assert {"id", "url", "site", "schema_name", "schema_version"} <= required
    assert {"title", "published_at", "entities"} <= optional
    assert required <= set(schema["required"]), "event[...] on a field the schema does not require"
    assert optional <= set(schema["properties"]), "a field the schema does not have"
    assert optional.isdisjoint(schema["required"]), "a required field needs no .get()"
    source = EXAMPLE.read_text(encoding="utf-8")
    assert f'("{EnrichedArticle.SCHEMA_NAME}", {EnrichedArticle.SCHEMA_VERSION})' in source
    assert not any(line.startswith(("import streams", "from streams", "import schemas", "from schemas",
                                    "import agents", "from agents")) for line in source.splitlines()), \
        "the example must run without vestnik installed"


def test_the_consumer_guide_names_the_schema_and_the_example() -> None:
    guide = (ROOT / "docs" / "consuming.md").read_text(encoding="utf-8")
    assert f"schemas/{EnrichedArticle.schema_id()}.json" in guide
    assert "examples/consume_enriched.py" in guide
    assert (ROOT / "schemas" / f"{EnrichedArticle.schema_id()}.json").is_file()
