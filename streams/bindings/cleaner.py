"""Faust binding of the cleaner: raw pages in, clean articles out, extraction in a worker process."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from agents.cleaner.cpu import clean_page
from agents.cleaner.errors import NotAnArticle, UnreadablePage
from agents.cleaner.version import CLEANER_VERSION
from agents.common.decoding import header_charset
from schemas.models import CleanArticle, RawPage, utc_now
from streams.agent import Agent, Loop
from streams.codecs import decode
from streams.delivery import Result
from streams.publisher import Output

if TYPE_CHECKING:
    from agents.cleaner.core import Article
    from streams.app import Pipeline

PAGES = Loop("cleaner", ("raw_pages",))
NOT_AN_ARTICLE = "not_an_article"

log = logging.getLogger(__name__)


def to_event(raw: RawPage, article: Article) -> CleanArticle:
    return CleanArticle(
        id=raw.id,
        url=raw.url,
        site=article.site,
        title=article.title,
        lead=article.lead,
        body=article.body,
        embeds=article.embeds,
        published_at=article.published_at,
        published_date=article.published_date,
        authors=article.authors,
        tags=article.tags,
        language=article.language,
        cleaner_version=CLEANER_VERSION,
        rules_fired=article.rules_fired,
        cleaned_at=utc_now(),
    )


def register(p: Pipeline) -> None:
    async def handle(key: bytes | None, value: bytes | None) -> Result:
        raw = decode(RawPage, value)
        charset = header_charset(raw.headers.get("content-type"))
        try:
            article: Article = await p.cpu.run(clean_page, raw.content, raw.final_url, charset, raw.feed_text,
                                                  size=len(raw.content))
        except UnreadablePage:
            raise  # input that cannot be processed: a dead letter
        except NotAnArticle as exc:  # an index page or a stub: ordinary, counted
            log.info("cleaner: %s is not an article: %s", raw.url, exc.reason)
            return Result(outcome=NOT_AN_ARTICLE)
        return Result([Output("clean_articles", raw.id, to_event(raw, article))])

    p.consume(PAGES, handle)


AGENT = Agent("cleaner", register, loops=(PAGES,), outputs=("clean_articles",))
