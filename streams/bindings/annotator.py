"""Faust binding of the annotator: clean articles in, enriched articles and entity mentions out."""

from __future__ import annotations

import logging
import time
from collections import Counter
from typing import TYPE_CHECKING, Any

import faust
from faust.windows import TumblingWindow

from agents.annotator.cpu import annotate_named, annotate_text, name_piece
from agents.annotator.pieces import text_pieces
from agents.annotator.version import ANNOTATOR_VERSION
from schemas.models import ArticleFields, CleanArticle, EnrichedArticle, EntityMention, utc_now
from streams.agent import Agent, Loop, TableStream
from streams.codecs import decode
from streams.delivery import Result
from streams.publisher import Output
from streams.tables import active_partitions, key_partition

if TYPE_CHECKING:
    from agents.annotator.core import Annotation
    from agents.annotator.entities import NamedMention
    from streams.app import Pipeline

log = logging.getLogger(__name__)


ARTICLES = Loop("annotator", ("clean_articles",))
COUNTER = TableStream("entity-counter", "entity_mentions")


def enrich(article: CleanArticle, annotation: Annotation) -> EnrichedArticle:
    """The clean article's fields, those a newer cleaner added included, with what the annotator found."""
    fields = article.model_dump(include=set(ArticleFields.model_fields))
    return EnrichedArticle(
        **fields,
        entities=annotation.entities,
        mentions=annotation.mentions,
        quotes=annotation.quotes,
        dates=annotation.dates,
        money=annotation.money,
        annotator_version=ANNOTATOR_VERSION,
        annotated_at=utc_now(),
    ).passing_on(article)


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
    async def annotate(text: str, title: str | None) -> Annotation:
        """One CPU job; a long text's named mentions first, a piece a job, so that others go between them."""
        max_chars = p.settings.max_body_chars
        pieces = text_pieces(text) if len(text) <= max_chars else []
        if len(pieces) <= 1:
            whole: Annotation = await p.cpu.run(annotate_text, text, title, max_chars, size=len(text))
            return whole
        named: list[NamedMention] = []
        for start, stop in pieces:
            named += await p.cpu.run(name_piece, text[start:stop], start, size=stop - start)
        rest: Annotation = await p.cpu.run(annotate_named, text, title, max_chars, named, size=len(text))
        return rest

    async def handle(key: bytes | None, value: bytes | None) -> Result:
        article = decode(CleanArticle, value)
        annotation = await annotate(article.body, article.title)
        enriched = enrich(article, annotation)
        log.info("enriched %s %s: %s", enriched.id, enriched.title or enriched.url,
                 ", ".join(e.name for e in enriched.entities[:5]))
        mentions = [Output("entity_mentions", m.entity_key, m) for m in entity_mentions(enriched)]
        return Result([Output("enriched_articles", enriched.id, enriched), *mentions])

    p.consume(ARTICLES, handle)

    register_entity_counts(p)


def register_entity_counts(p: Pipeline) -> None:
    """Who is in the news: articles per entity in tumbling windows, served at /entities/top.

    One mark per (entity, article) and window: a mention delivered again writes
    the same mark, so each article counts once without a read, and each mention
    costs one small table write. The counts are the marks of the current window,
    summed when asked; the table expires with its windows.
    """
    window = p.settings.entity_window
    partitions = p.settings.topic_partitions
    tumbling = TumblingWindow(window, expires=window * p.settings.entity_windows_kept)
    marks_table = p.app.Table("entity-articles", default=bool, partitions=partitions)
    marks = marks_table.using_window(tumbling).relative_to_stream()

    async def count(key: bytes | None, value: bytes | None) -> Result:
        mention = decode(EntityMention, value)
        marks[f"{mention.entity_key}|{mention.article_id}"] = True
        return Result(outcome="counted")

    @p.app.agent(p.topics[COUNTER.input], name=COUNTER.name, concurrency=1)
    async def entity_counter(stream: faust.StreamT) -> None:
        await p.process(stream, COUNTER.name, count)

    @p.app.timer(interval=window)
    async def forget_expired_windows() -> None:
        """Drop expired windows from memory, where faust drops only those this worker wrote since it started.

        Windows restored from the changelog or copied as a standby would stay for
        good; their changelogs drop them on their own (retention of `expires`).
        """
        now = time.time()
        stale = [key for key in marks_table.data if tumbling.stale(key[1][1], now)]  # keys: (key, (start, end))
        for key in stale:
            marks_table.data.pop(key, None)

    @p.app.page("/entities/top")
    async def top_entities(web: Any, request: Any) -> Any:
        """The current window's counts of the partitions this worker owns, not of its standby copies.

        Mentions are keyed by entity, so an entity's marks live in the partition of its key.
        """
        kind = request.query.get("type")
        limit = int(request.query.get("limit", "20"))
        current = tumbling.earliest(time.time())
        owned = active_partitions(p.app, marks_table)
        counts: Counter[str] = Counter(
            pair.rsplit("|", 1)[0] for pair, window_range in marks_table.data
            if window_range == current and (not kind or pair.startswith(f"{kind}:"))
        )
        ranked = sorted(((n, entity) for entity, n in counts.items() if key_partition(entity, partitions) in owned),
                        key=lambda pair: (-pair[0], pair[1]))
        rows = [{"entity": entity, "type": entity.split(":", 1)[0], "name": entity.split(":", 1)[1], "articles": n}
                for n, entity in ranked]
        return web.json({"window_seconds": window, "entities": rows[:limit]})


AGENT = Agent("annotator", register, loops=(ARTICLES,), tables=(COUNTER,),
              outputs=("enriched_articles", "entity_mentions"))
