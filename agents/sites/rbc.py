"""RBC (rbc.ru, top.rbc.ru, www.rbc.ru).

The current layout (`CURRENT`) was checked against a real saved page of 2020,
rbc.ru/politics/03/03/2020/5e5e1a139a7947838ece510f of 2020-03-03: text in `div.article__text`
(`itemprop=articleBody`), the lead `article__text__overview` inside it, headline in
`div.article__header__title`, the time in `span.article__header__date` (`itemprop=datePublished`,
with the offset in its `content`; the visible "03 мар, 18:16" has no year), the byline
`div.article__authors` ("Автор: ..."), tags `article__tags__link`. Between and after the paragraphs:
inline related items and videos, the main image's caption and credit, banners, the "Подпишитесь на
рассылку РБК" promo. The ticker, the news bar, `article__authors__author__name`, the "Читайте РБК в
Telegram" promo and the "Лента новостей" feed with currency rates are from scrapers' class names and
the plain-text rendering of a 2025 page (the seed), not from a saved page.

The 2011-2012 layout (`LEGACY`) was built from the corpus's saved top.rbc.ru pages of those years: the
text in the first `div.box`, the headline in an `h2` inside it (`h2.black`) or just before it, the date
(no time) in `div.pubdate`, and beside the text `notes` boxes ("Статьи по теме"), `publinks` and a
`last-news` column.
"""

from __future__ import annotations

from datetime import date

from agents.sites.base import Publisher, SiteRules, by_class, class_prefix

_FURNITURE_LINES = (
    r"читайте рбк в .{0,40}",
    r"подпис\w+ на рбк.{0,60}",
    r"(?:видео)?подписка на рбк.{0,60}",
    r"рбк в telegram.{0,60}",
)

LEGACY = SiteRules(
    label="2012",
    valid_until=date(2013, 12, 31),
    prune=(
        ("notes", by_class("notes")),
        ("last-news", by_class("last-news")),
        ("publinks", by_class("publinks")),
        ("read-more", class_prefix("read-more_news")),
        ("tags", by_class("tags")),
        ("social", class_prefix("socialButtons")),
        ("photo", by_class("photo-container")),
        ("copyright", class_prefix("copyright_")),
    ),
    body=(by_class("box", tag="div"),),
    title=(
        by_class("box", tag="div") + "/h2[contains(@class, 'black')]",
        "(" + by_class("box", tag="div") + ")[1]/preceding-sibling::h2[1]",
        "//h1",
    ),
    published=(by_class("pubdate"),),
    drop_lines=_FURNITURE_LINES,
)

CURRENT = SiteRules(
    label="2016",
    prune=(
        ("ticker", by_class("article__ticker")),
        ("news-bar", class_prefix("news-bar")),
        ("inline-item", by_class("article__inline-item")),
        ("inline-video", by_class("article__inline-video")),
        ("special", by_class("article__special_container")),
        ("main-image", by_class("article__main-image")),
        ("banner", class_prefix("banner")),
        ("tags", by_class("article__tags")),
        ("authors", by_class("article__authors")),
        ("pro-anons", class_prefix("pro-anons")),
        ("news-feed", class_prefix("news-feed")),
        ("telegram-promo", "//p[contains(., 'Читайте РБК в')]"),
        ("subscribe", class_prefix("subscribe")),
        ("live", class_prefix("live-tv")),
    ),
    body=(by_class("article__text"), "//*[@itemprop='articleBody']"),
    title=(by_class("article__header__title-in"), by_class("article__header__title")),
    lead=(by_class("article__text__overview"),),
    published=(by_class("article__header__date") + "/@datetime", by_class("article__header__date")),
    authors=(by_class("article__authors__author__name"), by_class("article__authors")),
    tags=(by_class("article__tags__item"), by_class("article__tags__link")),
    drop_lines=_FURNITURE_LINES,
    end_markers=(r"авторы", r"теги", r"лента новостей"),
)

PUBLISHER = Publisher(
    name="rbc",
    site="rbc.ru",
    domains=("rbc.ru",),
    versions=(LEGACY, CURRENT),
    signatures=(r"читайте рбк в", r"подписка на рбк", r"^(?:eur|usd) цб:"),
    feeds=("https://rssexport.rbc.ru/rbcnews/news/30/full.rss",),
    sitemaps=("https://www.rbc.ru/sitemap_index.xml",),
    article_pattern=r"^https://(www\.)?rbc\.ru/[a-z_]+/\d{2}/\d{2}/\d{4}/[0-9a-f]{24}",
    poll_interval=300.0,
)
