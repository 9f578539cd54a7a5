"""A feed's full text: read from real Yandex and Turbo feeds, carried to the raw event, the cleaner's fallback."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from pathlib import Path

import pytest

from agents.cleaner.core import Page
from agents.cleaner.errors import NotAnArticle, UnreadablePage
from agents.cleaner.feed_text import FEED_TEXT_RULE, clean_page_or_feed_text
from agents.crawler.core import raw_page
from agents.crawler.discovery import parse_feed
from agents.crawler.fetcher import FetchResult
from schemas.models import CrawlRequest, RawPage

FEEDS = Path(__file__).parent / "fixtures" / "feeds"
LAVROV = "Министр иностранных дел России Сергей Лавров встретился в Москве с госсекретарём США. "
FULL_TEXT = "\n\n".join(f"{LAVROV * 2}Абзац {n}." for n in range(4))
STUB = b"<html><head><title>Subscribe</title></head><body><p>Read on with a subscription.</p></body></html>"


@pytest.mark.parametrize(("name", "words"), [
    ("ru-oren-yandex-cp1251.xml", 40),  # yandex:full-text, windows-1251
    ("ru-aif-yandex-turbo.xml", 40),  # turbo:content
])
def test_real_yandex_feeds_give_each_item_its_full_text(name: str, words: int) -> None:
    entries = parse_feed((FEEDS / name).read_bytes(), "https://example.ru/")
    assert entries and all(e.full_text and len(e.full_text.split()) >= words for e in entries)
    assert all(any("а" <= ch <= "я" for ch in e.full_text or "") for e in entries)


def test_content_encoded_is_full_text_and_a_link_only_feed_has_none() -> None:
    feed = ('<?xml version="1.0" encoding="utf-8"?><rss version="2.0" '
            'xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel><title>t</title>'
            f"<item><link>https://x.ru/1</link><content:encoded><![CDATA[<p>{LAVROV}</p>]]></content:encoded></item>"
            "<item><link>https://x.ru/2</link><title>only a link</title></item></channel></rss>").encode()
    full, bare = parse_feed(feed, "https://x.ru/")
    assert full.full_text is not None and "Сергей Лавров" in full.full_text and bare.full_text is None


def test_the_raw_event_carries_the_feed_text_of_its_request() -> None:
    now = datetime.now(UTC)
    request = CrawlRequest(id="a" * 20, url="https://x.ru/1", source="t", discovered_at=now, feed_text=FULL_TEXT)
    result = FetchResult("https://x.ru/1", "https://x.ru/1", 200, {"content-type": "text/html"}, STUB, now)
    event = raw_page(request, result)
    assert RawPage.model_validate_json(event.model_dump_json()).feed_text == FULL_TEXT
    assert event.content_sha256 == hashlib.sha256(STUB).hexdigest()


def test_a_refused_page_falls_back_to_the_feed_text() -> None:
    with pytest.raises(NotAnArticle):
        clean_page_or_feed_text(Page(url="https://x.ru/1", html=STUB), None)
    article = clean_page_or_feed_text(Page(url="https://x.ru/1", html=STUB), FULL_TEXT)
    assert "Сергей Лавров" in article.body and article.body.count("\n\n") == 3
    assert FEED_TEXT_RULE in article.rules_fired
    html_text = "".join(f"<p>{paragraph}</p>" for paragraph in FULL_TEXT.split("\n\n"))
    assert clean_page_or_feed_text(Page(url="https://x.ru/1", html=STUB), html_text).body.count("\n\n") == 3


def test_the_page_comes_first_and_an_unreadable_page_stays_a_dead_letter() -> None:
    page = f"<html><body><article>{''.join(f'<p>{LAVROV * 2}</p>' for _ in range(4))}</article></body></html>"
    article = clean_page_or_feed_text(Page(url="https://x.ru/1", html=page.encode()), "Другой текст. " * 50)
    assert FEED_TEXT_RULE not in article.rules_fired and "Сергей Лавров" in article.body
    with pytest.raises(UnreadablePage):
        clean_page_or_feed_text(Page(url="https://x.ru/1", html=bytes(range(256)) * 64), FULL_TEXT)
