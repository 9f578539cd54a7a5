"""Kommersant (kommersant.ru).

Paragraphs sit under `div.article_text_wrapper`; the lead is the `h2` of the
article header; the byline `p.document_authors` ("Name, City") closes the
text, and the authors come from the page's JSON-LD; photo credits are
"Фото: ..." lines and incut boxes hold related documents.
"""

from __future__ import annotations

from agents.sites.base import Publisher, SiteRules, by_class, class_prefix

RULES = SiteRules(
    prune=(
        ("authors", by_class("document_authors")),
        ("incut", class_prefix("incut")),
        ("photo", class_prefix("photo")),
        ("doc-media", class_prefix("doc_media")),
        ("tags", class_prefix("tags")),
        ("share", class_prefix("share")),
        ("banner", class_prefix("banner")),
    ),
    body=(by_class("article_text_wrapper"),),
    title=("//header//h1", by_class("article_name")),
    lead=("//header//h2",),
    drop_lines=(r"фото:.{1,100}", r"читайте также.{0,200}"),
)

PUBLISHER = Publisher(
    name="kommersant", site="kommersant.ru", domains=("kommersant.ru",), versions=(RULES,),
    feeds=("https://www.kommersant.ru/RSS/news.xml",),
    sitemaps=("https://www.kommersant.ru/sitemaps/sitemap_news.xml",),
    article_pattern=r"^https://www\.kommersant\.ru/doc/\d+",
    poll_interval=600.0,
)
