"""RT in Russian (russian.rt.com).

Article text sits in `div.article__text_article-page`, the lead in
`article__summary`, the cover picture with its caption and credit in
`article__cover`. Read-more boxes ("Также по теме": heading, linked headline,
teaser) sit between paragraphs; galleries leave "На страницу галереи".
Editor's notes are written "(Россия. — RT)".
"""

from __future__ import annotations

from agents.sites.base import Publisher, SiteRules, by_class, class_prefix

RULES = SiteRules(
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
    versions=(RULES,),
    signatures=(r"\(\s*[^()]{0,120}—\s*RT\s*\)",),
    feeds=("https://russian.rt.com/rss",),
    article_pattern=r"^https://russian\.rt\.com/[a-z-]+/(news|article)/\d+",
    poll_interval=300.0,
)
