"""The fallback for sites without a module: only conventions most pages follow.

A lead printed apart from the text (`h2.lead`, `div.article-lead`, a subtitle)
is often dropped by extraction; it opens the article, so it is read here.
"""

from __future__ import annotations

from agents.sites.base import Publisher, SiteRules, has_class

_LEAD_CLASSES = ("lead", "article-lead", "article__lead", "news-lead", "lead-text", "subtitle", "article-subtitle")

RULES = SiteRules(
    lead=(
        "(//*[self::h2 or self::h3 or self::p or self::div]["
        + " or ".join(has_class(name) for name in _LEAD_CLASSES)
        + "][string-length(normalize-space()) > 40 and string-length(normalize-space()) < 600])[1]",
    ),
)

PUBLISHER = Publisher(name="generic", site="unknown", domains=(), versions=(RULES,))
