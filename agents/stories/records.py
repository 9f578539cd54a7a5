"""JSON-lines records in and out: the shape a `stories` command reads and writes."""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import numpy as np

from agents.stories.encoder import Encoder, dequantize, quantize
from agents.stories.index import StoryIndex
from agents.stories.model import Article, Entity, StoryConfig


def parse_time(value: object) -> datetime | None:
    """ISO 8601; a time without a zone is taken as UTC so every date compares."""
    if not isinstance(value, str) or not value:
        return None
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def parse_entities(value: object) -> tuple[Entity, ...]:
    """Annotator entities: `normal` (or `text`) and an optional `salience`."""
    if not isinstance(value, list):
        return ()
    entities = []
    for item in value:
        if isinstance(item, Mapping):
            name = item.get("normal") or item.get("text")
            if isinstance(name, str) and name:
                entities.append(Entity(name, float(item.get("salience", 1.0))))
        elif isinstance(item, str) and item:
            entities.append(Entity(item))
    return tuple(entities)


ENCODE_BATCH = 32


def article_from_record(record: Mapping[str, Any], vector: np.ndarray | None = None) -> Article:
    return Article(
        id=str(record["id"]),
        title=record.get("title") or "",
        text=record.get("text") or "",
        url=record.get("url"),
        published_at=parse_time(record.get("published_at")),
        entities=parse_entities(record.get("entities")),
        vector=vector,
    )


def is_article(record: Mapping[str, Any]) -> bool:
    return isinstance(record.get("id"), str | int) and bool(record.get("title") or record.get("text"))


def record_vectors(records: Sequence[Mapping[str, Any]], encoder: Encoder) -> list[np.ndarray | None]:
    """The sentence vector of each article record, through int8 as on the `story-candidates` topic."""
    texts = [encoder.text_of(record.get("title"), record.get("text") or "") for record in records if is_article(record)]
    encoded = iter(encoder.encode(texts)) if texts else iter(())
    return [dequantize(quantize(next(encoded))) if is_article(record) else None for record in records]


def assign_record(
    index: StoryIndex, record: Mapping[str, Any], vector: np.ndarray | None = None
) -> dict[str, Any]:
    """One record through `index`: `{"id", "story_id", "duplicate_of", "duplicate_similarity"}`,
    or `{"id", "error"}` with the reason for a record that is not an article."""
    rid = record.get("id")
    if "_error" in record:  # a line its reader could not read, passed on to keep the input's order
        return {"id": rid, "error": str(record["_error"])}
    if not is_article(record):
        return {"id": rid, "error": "record needs an 'id' and a 'title' or 'text'"}
    try:
        article = article_from_record(record, vector)
    except (ValueError, TypeError) as exc:
        return {"id": rid, "error": f"unreadable record: {exc}"}
    assignment = index.assign(article)
    return {
        "id": assignment.article_id,
        "story_id": assignment.story_id,
        "duplicate_of": assignment.duplicate_of,
        "duplicate_similarity": assignment.duplicate_similarity,
    }


def cluster_records(
    records: Iterable[Mapping[str, Any]], config: StoryConfig | None = None, encoder: Encoder | None = None
) -> Iterator[dict[str, Any]]:
    """`{"id", "title", "text", "url"?, "published_at"?, "entities"?}` in input order, all through one index;
    with an `encoder`, each article also carries its sentence vector, as in the pipeline."""
    index = StoryIndex(config)
    stream = iter(records)
    while batch := list(itertools.islice(stream, ENCODE_BATCH)):
        vectors = record_vectors(batch, encoder) if encoder else [None] * len(batch)
        for record, vector in zip(batch, vectors, strict=True):
            yield assign_record(index, record, vector)
