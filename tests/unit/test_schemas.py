"""The JSON Schema files and the pydantic models are one contract: keep them in step."""

from __future__ import annotations

import base64
import copy
from typing import Any

import jsonschema
import orjson
import pytest
from pydantic import ValidationError

import schemas
from agents.annotator.core import Annotation
from agents.annotator.version import ANNOTATOR_VERSION
from agents.cleaner.core import Article as CleanedPage
from schemas.models import (
    EVENT_MODELS,
    ArticleFields,
    CleanArticle,
    EnrichedArticle,
    Entity,
    Event,
    RawPage,
    StoryCandidate,
)
from streams.bindings.annotator import enrich, entity_mentions
from streams.bindings.cleaner import to_event
from streams.bindings.stories import candidate_of
from streams.codecs import DecodeError, decode, encode

ID = "0123456789abcdef0123"
NOW = "2026-11-23T12:00:00Z"
ARTICLE = {
    "id": ID, "url": "https://russian.rt.com/world/news/1", "site": "russian.rt.com", "title": "Заголовок",
    "lead": None, "body": "Первый абзац.\n\nВторой абзац.", "embeds": [
        {"kind": "tweet", "author": "Donald J. Trump", "handle": "@realDonaldTrump", "date": "2017-11-12",
         "text": "Good discussions on Syria."}],
    "published_at": NOW, "authors": [], "tags": ["политика"], "language": "ru", "cleaner_version": "1.0.0",
    "rules_fired": ["rt.read_more"], "cleaned_at": NOW,
}
VALID: dict[str, dict[str, Any]] = {
    "crawl_request": {"id": ID, "url": "https://tass.ru/politika/1", "source": "tass", "discovered_at": NOW},
    "crawl_state": {"url": "https://tass.ru/politika/1", "last_fetch": 1765000000.5, "etag": '"abc"',
                    "failures": 0},
    "raw_page": {"id": ID, "url": "https://tass.ru/politika/1", "final_url": "https://tass.ru/politika/1",
                 "source": "tass", "status": 200, "headers": {"content-type": "text/html"}, "fetched_at": NOW,
                 "content_sha256": "a" * 64, "encoding": "utf-8",
                 "content": base64.b64encode("<p>Привет</p>".encode()).decode()},
    "clean_article": ARTICLE,
    "enriched_article": {**ARTICLE, "annotator_version": "1.0.0", "annotated_at": NOW,
                         "entities": [{"type": "PER", "name": "Владимир Путин", "count": 2, "first_offset": 0,
                                       "salience": 0.8}],
                         "mentions": [{"type": "PER", "start": 0, "stop": 5, "text": "Путин",
                                       "normal": "Путин"}]},
    "entity_mention": {"entity_key": "PER:Владимир Путин", "type": "PER", "name": "Владимир Путин",
                       "article_id": ID, "url": "https://ria.ru/1.html", "site": "ria.ru", "count": 2,
                       "salience": 0.5, "annotated_at": NOW},
    "story_candidate": {"id": ID, "url": "https://ria.ru/1.html", "site": "ria.ru",
                        "title": "Путин встретился с Трампом", "body": "Президенты встретились во Вьетнаме.",
                        "published_at": NOW,
                        "entities": [{"type": "PER", "name": "Владимир Путин", "salience": 0.8}]},
    "article_story": {"id": ID, "story_id": ID, "new_story": False, "story_similarity": 0.61,
                      "duplicate_of": "0" * 20, "duplicate_similarity": 0.93, "url": "https://ria.ru/1.html",
                      "site": "ria.ru", "published_at": NOW, "stories_version": "1.0", "assigned_at": NOW},
    "story": {"story_id": ID, "title": "Путин встретился с Трампом", "first_seen": NOW, "first_site": "tass.ru",
              "first_article_id": ID, "members": 3, "sites": 2, "top_entities": ["Владимир Путин"],
              "last_article_id": ID, "updated_at": NOW},
    "dead_letter": {"agent": "cleaner", "reason": "not JSON", "error_type": "DecodeError",
                    "source_topic": "vestnik.raw-pages", "partition": 0, "offset": 7, "key": None,
                    "value": base64.b64encode(b"\xff\xfe").decode(), "failed_at": NOW},
}
INVALID_CHANGES: list[tuple[str, Any]] = [
    ("id", "not-a-hash"),
    ("schema_version", 2),
]
WRONG_TYPES: dict[str, tuple[str, Any]] = {
    "crawl_request": ("source", 5),
    "crawl_state": ("last_fetch", "yesterday"),
    "raw_page": ("status", "two hundred"),
    "clean_article": ("body", 5),
    "enriched_article": ("entities", [{"type": "PER", "name": "Путин", "count": "many", "first_offset": 0,
                                       "salience": 0.5}]),
    "entity_mention": ("salience", "high"),
    "story_candidate": ("body", ["Президенты", "встретились"]),
    "article_story": ("new_story", "perhaps"),
    "story": ("members", "three"),
    "dead_letter": ("partition", "first"),
}
FUTURE_FIELDS = {"sentiment": 0.3, "reviewed_by": {"desk": "политика", "people": ["Иванова"]}}
"""Fields a newer minor version might add: an older reader must take them."""


def wire(model: type[Event]) -> dict[str, Any]:
    return {"schema_name": model.SCHEMA_NAME, "schema_version": model.SCHEMA_VERSION, **VALID[model.SCHEMA_NAME]}


@pytest.mark.parametrize("model", EVENT_MODELS, ids=lambda m: m.schema_id())
def test_schema_file_is_generated_from_model(model: type[Event]) -> None:
    assert schemas.schema_path(model).read_text(encoding="utf-8") == schemas.render(model), (
        f"{schemas.schema_path(model).name} is stale: run `python -m schemas.export`"
    )


@pytest.mark.parametrize("model", EVENT_MODELS, ids=lambda m: m.schema_id())
def test_valid_example_passes_schema_and_model_and_round_trips(model: type[Event]) -> None:
    schema = schemas.load(model.schema_id())
    jsonschema.Draft202012Validator.check_schema(schema)
    example = wire(model)
    jsonschema.Draft202012Validator(schema).validate(example)
    event = model.model_validate(example)
    encoded = encode(event)
    jsonschema.Draft202012Validator(schema).validate(orjson.loads(encoded))
    assert decode(model, encoded) == event


@pytest.mark.parametrize("model", EVENT_MODELS, ids=lambda m: m.schema_id())
@pytest.mark.parametrize(("field", "bad"), INVALID_CHANGES)
def test_invalid_example_fails_schema_and_model(model: type[Event], field: str, bad: Any) -> None:
    example = copy.deepcopy(wire(model))
    if field == "id" and "id" not in example:
        field = next(name for name in ("partition", "count", "members", "failures") if name in example)
        bad = -1
    example[field] = bad
    validator = jsonschema.Draft202012Validator(schemas.load(model.schema_id()))
    assert list(validator.iter_errors(example)), f"schema accepted {field}={bad!r}"
    with pytest.raises(ValidationError):
        model.model_validate(example)


@pytest.mark.parametrize("model", EVENT_MODELS, ids=lambda m: m.schema_id())
def test_missing_required_field_fails_both(model: type[Event]) -> None:
    schema = schemas.load(model.schema_id())
    for field in schema["required"]:
        example = wire(model)
        del example[field]
        assert list(jsonschema.Draft202012Validator(schema).iter_errors(example)), field
        if field not in ("schema_name", "schema_version"):
            with pytest.raises(ValidationError):
                model.model_validate(example)


@pytest.mark.parametrize("model", EVENT_MODELS, ids=lambda m: m.schema_id())
def test_fields_of_a_newer_minor_version_pass_schema_and_model_and_are_kept(model: type[Event]) -> None:
    example = {**wire(model), **FUTURE_FIELDS}
    jsonschema.Draft202012Validator(schemas.load(model.schema_id())).validate(example)
    event = decode(model, orjson.dumps(example))
    assert event.model_extra == FUTURE_FIELDS
    assert orjson.loads(encode(event)) == orjson.loads(encode(model.model_validate(wire(model)))) | FUTURE_FIELDS


@pytest.mark.parametrize(("model", "field"), [
    (CleanArticle, "embeds"), (EnrichedArticle, "entities"), (EnrichedArticle, "mentions"),
    (StoryCandidate, "entities"),
])
def test_objects_inside_an_event_take_new_fields_too(model: type[Event], field: str) -> None:
    example = copy.deepcopy(wire(model))
    example[field][0]["wikidata"] = "Q7747"
    jsonschema.Draft202012Validator(schemas.load(model.schema_id())).validate(example)
    assert orjson.loads(encode(decode(model, orjson.dumps(example))))[field][0]["wikidata"] == "Q7747"


@pytest.mark.parametrize("model", EVENT_MODELS, ids=lambda m: m.schema_id())
def test_a_known_field_of_the_wrong_type_is_refused_beside_new_fields(model: type[Event]) -> None:
    field, bad = WRONG_TYPES[model.SCHEMA_NAME]
    example = {**wire(model), **FUTURE_FIELDS, field: bad}
    assert list(jsonschema.Draft202012Validator(schemas.load(model.schema_id())).iter_errors(example))
    with pytest.raises(DecodeError, match=field):
        decode(model, orjson.dumps(example))


def clean_article(**future: Any) -> CleanArticle:
    return decode(CleanArticle, orjson.dumps({**wire(CleanArticle), **future}))


def test_the_annotator_passes_on_the_fields_a_newer_cleaner_added() -> None:
    newer = copy.deepcopy(wire(CleanArticle))
    newer["embeds"][0]["likes"] = 12
    article = clean_article(sentiment=0.3, embeds=newer["embeds"])
    enriched = orjson.loads(encode(enrich(article, Annotation(mentions=[], entities=[]))))
    assert enriched["sentiment"] == 0.3
    assert enriched["embeds"][0]["likes"] == 12
    assert enriched["schema_name"] == "enriched_article"
    known = orjson.loads(encode(article))
    assert {name: enriched[name] for name in ArticleFields.model_fields} == {
        name: known[name] for name in ArticleFields.model_fields}


def test_a_field_passed_on_never_overrides_one_the_agent_computes() -> None:
    entity = Entity(type="PER", name="Сергей Лавров", count=1, first_offset=0, salience=1.0)
    article = clean_article(annotator_version="9.9.9", entities=[], annotated_at="2000-01-01T00:00:00Z")
    enriched = enrich(article, Annotation(mentions=[], entities=[entity]))
    assert enriched.annotator_version == ANNOTATOR_VERSION
    assert enriched.entities == [entity]
    assert enriched.annotated_at.year > 2000
    assert not enriched.model_extra
    assert orjson.loads(encode(enriched))["annotator_version"] == ANNOTATOR_VERSION


def test_an_event_built_from_a_different_one_does_not_take_its_unknown_fields() -> None:
    raw = decode(RawPage, orjson.dumps({**wire(RawPage), "paywall": True}))
    cleaned = to_event(raw, CleanedPage(url=raw.url, site="tass.ru", title=None, lead=None, body="Текст."))
    assert cleaned.model_extra == {}
    enriched = decode(EnrichedArticle, orjson.dumps({**wire(EnrichedArticle), **FUTURE_FIELDS}))
    assert candidate_of(enriched).model_extra == {}
    assert entity_mentions(enriched)[0].model_extra == {}


def test_every_schema_has_a_versioned_id_and_names_itself() -> None:
    for model in EVENT_MODELS:
        schema = schemas.load(model.schema_id())
        assert schema["$id"].endswith(f"/{model.SCHEMA_NAME}.v{model.SCHEMA_VERSION}.json")
        assert schema["properties"]["schema_name"]["const"] == model.SCHEMA_NAME
        assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"


def test_timestamps_must_carry_a_timezone_and_are_stored_in_utc() -> None:
    from schemas.models import CrawlRequest

    naive = {**VALID["crawl_request"], "discovered_at": "2026-11-23T12:00:00"}
    with pytest.raises(ValidationError):
        CrawlRequest.model_validate(naive)
    moscow = CrawlRequest.model_validate({**VALID["crawl_request"], "discovered_at": "2026-11-23T15:00:00+03:00"})
    assert moscow.discovered_at.isoformat() == "2026-11-23T12:00:00+00:00"


@pytest.mark.parametrize("payload", [b"", b"\xff\xfe garbage", b"[1,2]", b'{"schema_name":"raw_page"}',
                                     b'{"schema_name":"clean_article","schema_version":1}'])
def test_decode_gives_a_clear_error_for_bad_messages(payload: bytes) -> None:
    from schemas.models import RawPage

    with pytest.raises(DecodeError, match=r"raw_page\.v1"):
        decode(RawPage, payload)


def test_raw_page_content_is_base64_on_the_wire_and_bytes_in_python() -> None:
    from schemas.models import RawPage

    page = RawPage.model_validate(wire(RawPage))
    assert page.content == "<p>Привет</p>".encode()
    assert orjson.loads(encode(page))["content"] == VALID["raw_page"]["content"]


def test_consumer_docs_cover_every_event_topic_and_enriched_field() -> None:
    from pathlib import Path

    from schemas.models import EnrichedArticle
    from streams.topics import TOPICS

    docs = (Path(__file__).resolve().parents[2] / "docs" / "events.md").read_text(encoding="utf-8")
    for model in EVENT_MODELS:
        assert f"`{model.schema_id()}`" in docs, model.schema_id()
    for spec in TOPICS.values():
        assert f"`vestnik.{spec.suffix}`" in docs, spec.suffix
    for field in EnrichedArticle.model_fields:
        if field not in ("schema_name", "schema_version", "cleaned_at"):
            assert f"`{field}`" in docs, field
