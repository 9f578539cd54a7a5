"""Which of a page's dates is its publication time, and what is left when it gives no time of day."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest

from agents.cleaner import Page, clean
from schemas.models import CleanArticle

PARAGRAPHS = "".join(
    f"<p>{text}</p>"
    for text in (
        "Городские власти объявили о начале ремонта центральной площади, работы продлятся до конца лета.",
        "По словам чиновников, на время ремонта движение транспорта по соседним улицам будет ограничено.",
        "Жители смогут обсудить проект благоустройства на публичных слушаниях в следующем месяце, сообщили в мэрии.",
        "Подрядчика выбрали по итогам открытого конкурса, в котором участвовали шесть строительных компаний.",
    )
)
SIDEBAR = "<aside><ul><li><time datetime='2020-03-01T23:10'>23:10</time> Другая новость дня</li></ul></aside>"


def cleaned(head: str, body: str, url: str = "https://gorod-news.ru/news/1") -> CleanArticle:
    html = f"<html lang='ru'><head><meta charset='utf-8'>{head}</head><body>{body}</body></html>"
    article = clean(Page(url=url, html=html.encode()))
    return CleanArticle(
        id="0" * 20, url=url, site=article.site, body=article.body, published_at=article.published_at,
        published_date=article.published_date, cleaner_version="test", cleaned_at=datetime.now(UTC),
    )


def ld(data: object) -> str:
    return f"<script type='application/ld+json'>{json.dumps(data)}</script>"


@pytest.mark.parametrize(
    ("head", "body"),
    [
        (ld({"@type": "NewsArticle", "dateModified": "2020-03-03T20:20:00+03:00",
             "datePublished": "2020-03-03T18:35:00+03:00"}), SIDEBAR),
        (ld({"@graph": [{"@type": "WebPage"}, {"@type": "NewsArticle", "datePublished": "20200303T1835+0300"}]}), ""),
        ("<meta property='article:modified_time' content='20200303T2020+0300'>"
         "<meta property='article:published_time' content='20200303T1835+0300'>", SIDEBAR),
        ("<meta name='publish-date' content='Tue, 03 Mar 2020 18:35:16 +0300'>", ""),
        ("", SIDEBAR + "<span itemprop='datePublished' content='2020-03-03T18:35:16+03:00'>03 мар, 18:35</span>"),
        ("", SIDEBAR + "<div itemprop='datePublished'>2020-03-03T18:35+0300</div>"),
        ("", SIDEBAR + "<time class='g-date' datetime='2020-03-03T18:35:00+03:00' pubdate> 18:35, 3 марта 2020</time>"),
        ("<meta name='date' content='2020-03-03'>", "<time datetime='2020-03-03T18:35'>18:35</time>"),
    ],
    ids=["json-ld", "json-ld-graph", "meta", "meta-email-style", "microdata-content", "microdata-text",
         "time-pubdate", "day-then-time"],
)
def test_the_first_publication_time_the_page_gives(head: str, body: str) -> None:
    article = cleaned(head, body + PARAGRAPHS)
    assert article.published_at == datetime(2020, 3, 3, 15, 35, tzinfo=UTC)
    assert article.published_date is None


def test_a_time_on_another_day_does_not_complete_a_date() -> None:
    article = cleaned("<meta name='date' content='2020-03-03'>", SIDEBAR + PARAGRAPHS)
    assert article.published_at is None
    assert article.published_date == date(2020, 3, 3)


def test_a_modification_time_is_no_publication_time() -> None:
    head = ld({"@type": "NewsArticle", "dateModified": "2020-03-03T20:20:00+03:00"})
    article = cleaned(head, PARAGRAPHS, url="https://gorod-news.ru/news/1")
    assert article.published_at is None and article.published_date is None


def test_the_address_is_the_last_resort_and_gives_a_day_not_midnight() -> None:
    article = cleaned("", PARAGRAPHS, url="https://gorod-news.ru/news/2020/03/03/remont/")
    assert article.published_at is None
    assert article.published_date == date(2020, 3, 3)
    assert article.model_dump(mode="json")["published_date"] == "2020-03-03"


def test_a_plain_text_page_gets_its_addresses_day() -> None:
    text = "\n".join(["Ремонт площади", *PARAGRAPHS.replace("</p>", "\n").replace("<p>", "").splitlines()])
    article = clean(Page(url="https://ria.ru/20200303/1568058953.html", text=text))
    assert article.published_at is None and article.published_date == date(2020, 3, 3)


def test_a_clean_article_of_an_older_producer_reads_without_the_day() -> None:
    wire = {"schema_name": "clean_article", "schema_version": 1, "id": "0" * 20, "url": "https://x.ru/1",
            "site": "x.ru", "body": "Текст.", "cleaner_version": "0.9", "cleaned_at": "2020-03-03T15:35:00Z"}
    assert CleanArticle.model_validate(wire).published_date is None


def test_the_day_reaches_the_clean_article_event_and_the_command_lines_output() -> None:
    from schemas.models import RawPage
    from streams.bindings.cleaner import to_event
    from vestnik.ops.oneshot import clean_record

    url = "https://gorod-news.ru/news/2020/03/03/remont/"
    html = f"<html lang='ru'><head><meta charset='utf-8'></head><body>{PARAGRAPHS}</body></html>".encode()
    raw = RawPage(id="0" * 20, url=url, final_url=url, source="test", status=200, fetched_at=datetime.now(UTC),
                  content_sha256="0" * 64, content=html)
    event = to_event(raw, clean(Page(url=url, html=html)))
    assert event.model_dump(mode="json")["published_date"] == "2020-03-03"
    assert event.published_at is None
    assert clean_record({"url": url, "html": html})["published_date"] == "2020-03-03"
