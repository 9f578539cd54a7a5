"""RIA Novosti (ria.ru).

The current layout (`CURRENT`) was checked against a real saved page of 2020,
ria.ru/20200303/1568058953.html of 2020-03-03: the text is a run of `div.article__text` blocks inside
`div.article__body`; inline related stories are `div.article__block` with `data-type="article"`; the
time is in `article:published_time`, in ISO 8601's basic format (`20200303T1835+0300`), and in the
microdata's `datePublished`. No byline on news: the microdata names the agency as the author. The "Краткий
пересказ от РИА ИИ" box (`article__summary`), a machine summary and not article text, is from scrapers'
class names, as it came after 2020.

The 2012 layout (`LEGACY`) was built from the corpus's saved ria.ru pages of January 2012: the lead in
`div.article_lead`, the text in `div.article_full_text` (`itemprop=articleBody`), which opens with the
illustration slideshow and an "Ещё по теме" playlist (`articles_playlist`); photo credits in
`media_copyright`; related links, most-popular and partner blocks beside it.
"""

from __future__ import annotations

from datetime import date

from agents.sites.base import Publisher, SiteRules, by_class, class_prefix

_END_MARKERS = (r"справка", r"читать ria\.ru в .{0,30}")

LEGACY = SiteRules(
    label="2012",
    valid_until=date(2013, 12, 31),
    prune=(
        ("related", class_prefix("articles_playlist")),
        ("illustration", class_prefix("article_illustration")),
        ("illustration", class_prefix("inject_")),
        ("share", class_prefix("social-userbar")),
        ("media-copyright", by_class("media_copyright")),
        ("related", class_prefix("related_links")),
        ("most-popular", class_prefix("most_popular")),
        ("partners", class_prefix("partners_block")),
        ("comment-rules", by_class("comment_rules")),
        ("assessment", class_prefix("article_assessment")),
        ("banner", class_prefix("banner")),
    ),
    body=(by_class("article_full_text"), "//*[@itemprop='articleBody']"),
    title=("//h1[contains(@class, 'article_header_title')]", "//h1"),
    lead=(by_class("article_lead"),),
    published=("//time[contains(@class, 'article_header_date')]/@datetime",),
    end_markers=_END_MARKERS,
)

CURRENT = SiteRules(
    label="2015",
    prune=(
        ("inline-related", "//div[contains(@class, 'article__block') and @data-type='article']"),
        ("ai-summary", by_class("article__summary")),
        ("tags", by_class("article__tags")),
        ("info", by_class("article__info")),
        ("banner", class_prefix("banner")),
    ),
    body=(by_class("article__body"),),
    title=(by_class("article__title"),),
    lead=(by_class("article__second-title"),),
    authors=(by_class("article__author-name"),),
    tags=(by_class("article__tags-item"),),
    drop_lines=(r"краткий пересказ от риа ии.*", r"сгенерировано риа ии.*"),
    end_markers=_END_MARKERS,
)

PUBLISHER = Publisher(
    name="ria", site="ria.ru", domains=("ria.ru",), versions=(LEGACY, CURRENT),
    feeds=("https://ria.ru/export/rss2/archive/index.xml",),
    sitemaps=("https://ria.ru/sitemap_article_index.xml",),
    article_pattern=r"^https://ria\.ru/\d{8}/[a-z0-9-]+\.html",
    poll_interval=300.0,
)
