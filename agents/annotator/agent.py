"""Faust binding of the annotator: clean articles in, enriched articles and entity mentions out."""

from __future__ import annotations

import logging
from typing import Any

import faust

from agents.annotator.core import ANNOTATOR_VERSION, Annotation, get_annotator
from schemas.models import CleanArticle, EnrichedArticle, EntityMention, utc_now
from streams.app import Pipeline
from streams.codecs import decode
from streams.delivery import Result
from streams.publisher import Output

log = logging.getLogger(__name__)


def annotate_text(text: str, title: str | None, max_chars: int) -> Annotation:
    """Runs in a CPU worker process, where the natasha models are loaded once."""
    return get_annotator().annotate(text, title=title, max_chars=max_chars)


def enrich(article: CleanArticle, annotation: Annotation) -> EnrichedArticle:
    fields = article.model_dump(exclude={"schema_name", "schema_version"})
    return EnrichedArticle(
        **fields,
        entities=annotation.entities,
        mentions=annotation.mentions,
        quotes=annotation.quotes,
        dates=annotation.dates,
        money=annotation.money,
        annotator_version=ANNOTATOR_VERSION,
        annotated_at=utc_now(),
    )


def entity_mentions(enriched: EnrichedArticle) -> list[EntityMention]:
    return [
        EntityMention(
            entity_key=f"{entity.type}:{entity.name}",
            type=entity.type,
            name=entity.name,
            article_id=enriched.id,
            url=enriched.url,
            site=enriched.site,
            count=entity.count,
            salience=entity.salience,
            published_at=enriched.published_at,
            annotated_at=enriched.annotated_at,
        )
        for entity in enriched.entities
    ]


def register(p: Pipeline) -> None:
    async def handle(key: bytes | None, value: bytes | None) -> Result:
        article = decode(CleanArticle, value)
        annotation = await p.cpu.run(annotate_text, article.body, article.title, p.settings.max_body_chars)
        enriched = enrich(article, annotation)
        log.info("enriched %s %s: %s", enriched.id, enriched.title or enriched.url,
                 ", ".join(e.name for e in enriched.entities[:5]))
        mentions = [Output("entity_mentions", m.entity_key, m) for m in entity_mentions(enriched)]
        return Result([Output("enriched_articles", enriched.id, enriched), *mentions])

    p.consume("annotator", handle)

    register_entity_counts(p)


def register_entity_counts(p: Pipeline) -> None:
    """Who is in the news: articles per entity in tumbling windows, served at /entities/top."""
    window = p.settings.entity_window
    # Articles per entity, not mentions: a set of article ids, so a replayed article counts once.
    articles = p.app.Table("entity-articles", default=list, partitions=p.settings.topic_partitions).tumbling(
        window, expires=window * p.settings.entity_windows_kept, key_index=True
    ).relative_to_stream()

    async def count(key: bytes | None, value: bytes | None) -> Result:
        mention = decode(EntityMention, value)
        seen = articles[mention.entity_key].value()
        if mention.article_id in seen:
            return Result(outcome="already_counted")
        articles[mention.entity_key] = [*seen, mention.article_id]
        return Result(outcome="counted")

    @p.app.agent(p.topics["entity_mentions"], name="entity-counter", concurrency=1)
    async def entity_counter(stream: faust.StreamT) -> None:
        await p.process(stream, "entity-counter", count)

    @p.app.page("/entities/top")
    async def top_entities(web: Any, request: Any) -> Any:
        kind = request.query.get("type")
        limit = int(request.query.get("limit", "20"))
        rows = [
            {"entity": key, "type": key.split(":", 1)[0], "name": key.split(":", 1)[1], "articles": len(ids)}
            for key, ids in articles.items().now()  # type: ignore[attr-defined]
            if ids and (not kind or key.startswith(f"{kind}:"))
        ]
        rows.sort(key=lambda row: (-row["articles"], row["entity"]))
        return web.json({"window_seconds": window, "entities": rows[:limit]})
