"""InoTV (inotv.rt.com): RT's digest of foreign media.

Built from the plain-text rendering of one article (the seed) and scrapers' class names: no saved InoTV
article page was to be had (only the section's front page is in a public repository), so its XPaths are
not checked against real markup and the text rules carry most of the work.

Each piece opens with a link to its source ("The Times Оригинал") and ends
with a disclaimer ("Материалы ИноТВ содержат оценки исключительно зарубежных
СМИ..."), a Twitter promo, the source and tag lists, then "Сегодня в СМИ"
and partner-news widgets.
"""

from __future__ import annotations

from agents.sites.base import Publisher, SiteRules, by_class, class_prefix

RULES = SiteRules(
    prune=(
        ("source-link", by_class("article__source")),
        ("source-link", class_prefix("source-link")),
        ("disclaimer", class_prefix("disclaimer")),
        ("tags", by_class("article__tags")),
        ("tags", class_prefix("tags")),
        ("share", class_prefix("share")),
        ("partner-news", class_prefix("partner")),
        ("smi-today", class_prefix("smi-today")),
        ("cover-caption", class_prefix("media__")),
    ),
    body=(by_class("article__text"), "//*[@itemprop='articleBody']", by_class("text")),
    title=(by_class("article__title"), "//h1"),
    lead=(by_class("article__summary"),),
    drop_lines=(
        r"\S.{0,60}\s+оригинал",
        r"оригинал",
        r"материалы иноtv.*|материалы инотв.*",
        r"публикуем в twitter.*",
    ),
    end_markers=(r"материалы ино(?:тв|tv) содержат.*", r"источник", r"теги", r"сегодня в сми"),
)

PUBLISHER = Publisher(
    name="inotv",
    site="inotv.rt.com",
    domains=("inotv.rt.com",),
    versions=(RULES,),
    signatures=(r"материалы ино(?:тв|tv)", r"редакцией ино(?:тв|tv)"),
    feeds=("https://inotv.rt.com/rss",),
    article_pattern=r"^https://inotv\.rt\.com/\d{4}-\d{2}-\d{2}/",
    poll_interval=600.0,
)
