"""RBC (rbc.ru, top.rbc.ru, www.rbc.ru).

Current layout: text in `div.article__text` (`itemprop=articleBody`), lead
in `article__text__overview`, headline `h1.article__header__title-in`.
Between and after the paragraphs: the ticker, the news bar, inline related
items and videos, banners, tag lists, the "Читайте РБК в Telegram" promo
and the "Лента новостей" feed with currency rates. The 2011-2012 layout put
the text in the first `div.box`, the headline in an `h2` inside it
(`h2.black`) or just before it, and beside the text `notes` boxes ("Статьи по
теме"), `publinks` and a `last-news` column.
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
    authors=(by_class("article__authors__author__name"),),
    tags=(by_class("article__tags__item"),),
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
