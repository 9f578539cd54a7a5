"""Lenta.ru.

Current layout: text in `div.topic-body__content` (`itemprop=articleBody`),
headline `topic-body__title`; inline topic boxes (`b-inline-topics-box`) and
`b-box` widgets sit between paragraphs. The older layout used `div.b-text`
and `h1.b-topic__title`.
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
    end_markers=(r"последние новости", r"смотрите также"),
)

PUBLISHER = Publisher(
    name="lenta", site="lenta.ru", domains=("lenta.ru",), versions=(RULES,),
    feeds=("https://lenta.ru/rss/news",),
    sitemaps=("https://lenta.ru/sitemap.xml.gz",),
    article_pattern=r"^https://lenta\.ru/(news|articles)/\d{4}/\d{2}/\d{2}/",
    poll_interval=300.0,
)
