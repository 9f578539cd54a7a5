"""The feed's own full text as the article, when the page itself gives none.

Some outlets' feeds carry the whole article (Yandex News `yandex:full-text`, Turbo
`turbo:content`, RSS `content:encoded`) while the page hides it behind a paywall
stub or a script. The page stays the first source, since it has the title,
dates, embeds and the publisher's rules; the feed text is used only when the page
is refused as not an article, never when it cannot be read at all.
"""

from __future__ import annotations

import re
from dataclasses import replace

from agents.cleaner.core import Article, Page, clean
from agents.cleaner.errors import NotAnArticle, UnreadablePage

FEED_TEXT_RULE = "feed:full-text"
_MARKUP = re.compile(r"<(p|div|br|h[1-6]|section|article|header|figure|ul|ol|blockquote)\b", re.IGNORECASE)


def clean_page_or_feed_text(page: Page, feed_text: str | None) -> Article:
    try:
        return clean(page)
    except UnreadablePage:
        raise
    except NotAnArticle:
        if not feed_text:
            raise
    if _MARKUP.search(feed_text):
        html = f"<html><head></head><body><article>{feed_text}</article></body></html>"
        article = clean(Page(url=page.url, html=html))
    else:
        article = clean(Page(url=page.url, text=feed_text))
    return replace(article, rules_fired=[*article.rules_fired, FEED_TEXT_RULE])
