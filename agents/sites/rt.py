"""RT in Russian (russian.rt.com).

Two layouts, known from different evidence:

- 2014 (`LEGACY`), built from a real saved page, russian.rt.com/article/51369 of 2014-09-24: the
  headline is the page's `h1` (`itemprop=name`, often opening with a zero width space), the lead
  `div.short-story`, the time `time[itemprop=datePublished]` in Moscow time without an offset (with
  `meta[name=publish-date]` beside it, offset given), the cover picture with its credit line in a
  `figure`, the text in `div.article-body` (`itemprop=articleBody`). After it: the typo hint
  (`orphus__hint`), "Ранее на эту тему" (`section.similar`), "Сегодня в СМИ" (`widget-mediametrics`),
  "Темы дня" (`editors-choice`). No byline.
- The current layout (`CURRENT`), from scrapers' markers and the plain-text renderings of 2017 pages
  (the seeds): text in `div.article__text_article-page`, lead `article__summary`, cover with caption
  and credit in `article__cover`, "Также по теме" read-more boxes (heading, linked headline, teaser)
  between paragraphs, "На страницу галереи" gallery links, editor's notes written "(Россия. — RT)".
  No saved page of this layout (`article__heading`, after 2016) was to be had, and no dated page of
  the switch: the 2014 layout is taken to end with 2015.
"""

from __future__ import annotations

from datetime import date

from agents.sites.base import Publisher, SiteRules, by_class, class_prefix

LEGACY = SiteRules(
    label="2014",
    valid_until=date(2015, 12, 31),
    prune=(
        ("share", by_class("top-share")),
        ("cover", "//article[@id='content']/figure"),
        ("typo-hint", by_class("orphus__hint")),
        ("related", by_class("similar")),
        ("smi-today", class_prefix("widget-mediametrics")),
        ("topics-of-the-day", class_prefix("editors-choice")),
        ("banner", class_prefix("adsbygoogle")),
        ("disclaimer", by_class("disclaimer")),
    ),
    body=(by_class("article-body"), "//*[@itemprop='articleBody']"),
    title=("//section[@id='main']/header/h1", "//h1[@itemprop='name']"),
    lead=(by_class("short-story"),),
    published=("//time[@itemprop='datePublished']/@datetime", "//meta[@name='publish-date']/@content"),
)

CURRENT = SiteRules(
    label="2016",
    prune=(
        ("read-more", by_class("read-more")),
        ("read-more", class_prefix("read-more__")),
        ("read-more", by_class("article__read-more")),
        ("cover", by_class("article__cover")),
        ("media-caption", by_class("media__footer")),
        ("media-caption", by_class("media__copyright")),
        ("gallery-link", by_class("gallery__link")),
        ("tags", by_class("tags-trends")),
        ("tags", by_class("article__tags")),
        ("share", by_class("article__share")),
        ("share", class_prefix("share")),
        ("subscribe", class_prefix("subscribe")),
        ("banner", class_prefix("banner")),
        ("follows", class_prefix("follows-channel")),
    ),
    body=(by_class("article__text_article-page"), "//*[@itemprop='articleBody']", by_class("article__text")),
    title=(by_class("article__heading_article-page"), by_class("article__heading")),
    lead=(by_class("article__summary_article-page"), by_class("article__summary")),
    published=("//time[contains(@class, 'date')]/@datetime",),
    authors=(by_class("article__author-name"),),
    tags=(by_class("tags-trends__link"),),
    drop_lines=(r"на страницу галереи",),
    end_markers=(r"читайте (?:также|нас) (?:в|на) .{0,40}",),
)

PUBLISHER = Publisher(
    name="rt",
    site="russian.rt.com",
    domains=("russian.rt.com", "russian.rt.ru"),
    versions=(LEGACY, CURRENT),
    signatures=(r"\(\s*[^()]{0,120}—\s*RT\s*\)",),
    feeds=("https://russian.rt.com/rss",),
    article_pattern=r"^https://russian\.rt\.com/[a-z-]+/(news|article)/\d+",
    poll_interval=300.0,
)
