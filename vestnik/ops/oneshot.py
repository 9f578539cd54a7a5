"""One stage, no Kafka: what `vestnik clean`, `vestnik annotate` and `vestnik stories` run per line."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

from agents.cleaner.core import NotAnArticle, Page, clean
from agents.common.ids import article_id

if TYPE_CHECKING:
    from agents.stories import StoryConfig
    from agents.stories.encoder import Encoder


def clean_record(record: dict[str, Any]) -> dict[str, Any]:
    """{id,url,html|text} -> {id,url,site,title,body,embeds,...}, or {id,url,error} with the reason."""
    if "_error" in record:
        return {"id": None, "error": record["_error"]}
    url = record.get("url") or None
    rid = record.get("id") or (article_id(url) if url else None)
    html, text = record.get("html"), record.get("text")
    if not isinstance(html, str | bytes) and not isinstance(text, str):
        return {"id": rid, "url": url, "error": "record has neither 'html' nor 'text'"}
    try:
        article = clean(Page(url=url, html=html, text=text if html is None else None))
    except NotAnArticle as exc:
        return {"id": rid, "url": url, "error": f"not an article: {exc.reason}"}
    return {
        "id": rid,
        "url": url,
        "site": article.site,
        "title": article.title,
        "lead": article.lead,
        "body": article.body,
        "embeds": [embed.model_dump() for embed in article.embeds],
        "published_at": article.published_at.isoformat() if article.published_at else None,
        "published_date": article.published_date.isoformat() if article.published_date else None,
        "authors": article.authors,
        "tags": article.tags,
        "language": article.language,
        "rules_fired": article.rules_fired,
    }


def annotate_record(record: dict[str, Any]) -> dict[str, Any]:
    """{id,text,title?} -> the record plus mentions and entities, or an error with the reason."""
    from agents.annotator.core import UnannotatableText, get_annotator

    if "_error" in record:
        return {"id": None, "error": record["_error"]}
    text = record.get("text")
    if not isinstance(text, str):
        return {"id": record.get("id"), "error": "record has no 'text' string"}
    try:
        annotation = get_annotator().annotate(text, title=record.get("title"))
    except UnannotatableText as exc:
        return {"id": record.get("id"), "error": f"cannot annotate: {exc.reason}"}
    return {
        **record,
        "mentions": [m.model_dump() for m in annotation.mentions],
        "entities": [e.model_dump() for e in annotation.entities],
    }


def story_records(
    records: Iterable[dict[str, Any]], config: StoryConfig, encoder: Encoder | None = None
) -> Iterator[dict[str, Any]]:
    """{id,title,text,url?,published_at?,entities?} in input order -> {id,story_id,duplicate_of}, or {id,error}.

    The whole input is one stream through one story index, as the agent sees its topic; with an
    `encoder`, each article gets its sentence vector as story-feed would give it (read in batches).
    """
    from agents.stories.records import cluster_records

    return cluster_records(records, config, encoder)
