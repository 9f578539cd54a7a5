"""Interfax (interfax.ru and its regional agencies on interfax-russia.ru).

Current layout: text in `article[itemprop=articleBody]` or `div.at`, headline
`h1.textMTitle`; related links (`textML`), the "Читайте также" block and
share buttons follow. The older layout put the text in `div.txtmain`.
"""

from __future__ import annotations

from agents.sites.base import Publisher, SiteRules, by_class, class_prefix

RULES = SiteRules(
    prune=(
        ("related", by_class("textML")),
        ("related", class_prefix("related")),
        ("share", class_prefix("addthis")),
        ("share", class_prefix("socnet")),
        ("tags", by_class("textMTags")),
        ("banner", class_prefix("banner")),
    ),
    body=("//article[@itemprop='articleBody']", by_class("at"), by_class("txtmain")),
    title=(by_class("textMTitle"), "//h1"),
    drop_lines=(r"москва\.? \d{1,2} [а-я]+\. interfax\.ru",),
    end_markers=(r"читайте также", r"все новости .{0,40}"),
)

PUBLISHER = Publisher(
    name="interfax",
    site="interfax.ru",
    domains=("interfax.ru", "interfax-russia.ru"),
    versions=(RULES,),
    feeds=("https://www.interfax.ru/rss.asp",),
    article_pattern=r"^https://www\.interfax\.ru/[a-z]+/\d+",
    poll_interval=300.0,
)
