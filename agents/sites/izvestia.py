"""Izvestia (iz.ru).

Built from scrapers' class names: the only Izvestia article page in a public repository has been
re-indented by an HTML prettifier, so no unmodified page was to be had and the XPaths are not checked
against markup as served.

Text in `div.text-article__inside` (`itemprop=articleBody`); photos with
captions and credits in `text-article__photo`; tags, share buttons and the
"Подписывайтесь на «Известия»" promo after the text.
"""

from __future__ import annotations

from agents.sites.base import Publisher, SiteRules, by_class, class_prefix

RULES = SiteRules(
    prune=(
        ("photo", class_prefix("text-article__photo")),
        ("tags", class_prefix("hash-tags")),
        ("share", class_prefix("share")),
        ("banner", class_prefix("banner")),
        ("related", class_prefix("more-news")),
    ),
    body=(by_class("text-article__inside"), "//*[@itemprop='articleBody']"),
    title=("//h1",),
    lead=(by_class("text-article__subtitle"),),
    drop_lines=(r"подписывайтесь на .{0,20}известия.{0,80}",),
    end_markers=(r"читайте также",),
)

PUBLISHER = Publisher(
    name="izvestia", site="iz.ru", domains=("iz.ru", "izvestia.ru"), versions=(RULES,),
    feeds=("https://iz.ru/xml/rss/all.xml",),
    article_pattern=r"^https://iz\.ru/\d+/",
    poll_interval=600.0,
)
