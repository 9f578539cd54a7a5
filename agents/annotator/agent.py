"""Faust binding of the annotator: clean articles in, enriched articles and entity mentions out."""

from __future__ import annotations

import faust
from agents.annotator.core import ANNOTATOR_VERSION, Annotation, get_annotator

from schemas.models import CleanArticle, EnrichedArticle, EntityMention, utc_now
from streams.app import Pipeline
from streams.codecs import decode
from streams.processing import publish, publish_all


def annotate_text(text: str, title: str | None) -> Annotation:
    """Runs in a CPU worker process, where the natasha models are loaded once."""
    return get_annotator().annotate(text, title=title)


def enrich(article: CleanArticle, annotation: Annotation) -> EnrichedArticle:
    fields = article.model_dump(exclude={"schema_name", "schema_version"})
    return EnrichedArticle(
        **fields,
        entities=annotation.entities,
        mentions=annotation.mentions,
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
    async def handle(key: bytes | None, value: bytes | None) -> str | None:
        article = decode(CleanArticle, value)
        annotation = await p.cpu.run(annotate_text, article.body, article.title)
        enriched = enrich(article, annotation)
        await publish(p.topics["enriched_articles"], enriched.id, enriched)
        await publish_all(p.topics["entity_mentions"], [(m.entity_key, m) for m in entity_mentions(enriched)])
        return None

    @p.app.agent(p.topics["clean_articles"], name="annotator", concurrency=1)
    async def annotator(stream: faust.StreamT) -> None:
        await p.process(stream, "annotator", handle)
