"""TASS (tass.ru).

The text has lived in `div.b-material-text__l` (to 2018), `div.article__text`
(2018-2019), `div.text-content` / `div.text-block` (2020) and, since the
2022 redesign, in paragraphs with generated `Paragraph_...` class names.
Related-news boxes and tag lists sit inside the text container.
"""

from __future__ import annotations

from agents.sites.base import Publisher, SiteRules, by_class, class_prefix

RULES = SiteRules(
    prune=(
        ("related", class_prefix("related")),
        ("related", class_prefix("Incut")),
        ("related", class_prefix("news-insertion")),
        ("tags", class_prefix("tags")),
        ("tags", class_prefix("Tags")),
        ("share", class_prefix("share")),
        ("photo", class_prefix("text-include-photo")),
        ("banner", class_prefix("banner")),
    ),
    body=(
        by_class("text-content"),
        by_class("text-block"),
        by_class("b-material-text__l"),
        by_class("article__text"),
        "//article[.//p[starts-with(@class, 'Paragraph_paragraph')]]",
    ),
    title=(by_class("news-header__title"), "//h1"),
    lead=(by_class("news-header__lead"),),
    drop_lines=(r"/\s*корр\.\s*тасс.{0,60}/\.?",),
    end_markers=(r"теги", r"читайте также", r"больше новостей.{0,60}"),
)

PUBLISHER = Publisher(
    name="tass", site="tass.ru", domains=("tass.ru", "tass.com"), versions=(RULES,),
    feeds=("https://tass.ru/rss/v2.xml",),
    sitemaps=("https://tass.ru/sitemap.xml",),
    article_pattern=r"^https://tass\.ru/[a-z-]+/\d+",
    poll_interval=300.0,
)
