"""Lenta.ru.

Built from a real saved page of the 2020 layout, lenta.ru/news/2020/03/03/rub/ of 2020-03-03: the
headline `h1.b-topic__title`, the time `time[pubdate]` in `div.b-topic__info` (the page's first
`<time>` is a news-feed item, not the article's), the text in `div.b-text` (`itemprop=articleBody`)
with an inline "Материалы по теме" box (`b-inline-topics-box`) and `b-box` widgets (the YouTube promo,
the video player) between and after its paragraphs. The cover photo's credit sits outside the text.
No byline on news: the microdata names "Редакция Lenta.ru" as the author.

The later layout (`div.topic-body__content`, headline `topic-body__title`) is known only from
scrapers' class names: no saved page of Lenta after 2020 was to be had.
"""

from __future__ import annotations

from agents.sites.base import Publisher, SiteRules, by_class, class_prefix

RULES = SiteRules(
    prune=(
        ("inline-topics", class_prefix("b-inline-topics-box")),
        ("box", by_class("b-box")),
        ("banner", class_prefix("banner")),
        ("share", class_prefix("b-share")),
        ("tags", class_prefix("rubric-header")),
        ("photo-caption", class_prefix("picture__caption")),
        ("photo-credit", class_prefix("picture__author")),
    ),
    body=(by_class("topic-body__content"), "//*[@itemprop='articleBody']", by_class("b-text")),
    title=(by_class("topic-body__title"), by_class("b-topic__title")),
    lead=(by_class("topic-body__title-yandex"), by_class("b-topic__rightcol")),
    published=(by_class("b-topic__info") + "/time[@datetime]/@datetime",),
    end_markers=(r"последние новости", r"смотрите также"),
)

PUBLISHER = Publisher(
    name="lenta", site="lenta.ru", domains=("lenta.ru",), versions=(RULES,),
    feeds=("https://lenta.ru/rss/news",),
    sitemaps=("https://lenta.ru/sitemap.xml.gz",),
    article_pattern=r"^https://lenta\.ru/(news|articles)/\d{4}/\d{2}/\d{2}/",
    poll_interval=300.0,
)
