"""The HTML path on small invented pages: metadata, embeds, layout tables, the second opinion."""

from __future__ import annotations

from datetime import UTC, datetime

from agents.cleaner import Article, Page, clean

P1 = "Городские власти объявили о начале ремонта центральной площади, работы продлятся до конца лета."
P2 = "По словам чиновников, на время ремонта движение транспорта по соседним улицам будет ограничено."
P3 = "Жители смогут обсудить проект благоустройства на публичных слушаниях в следующем месяце, сообщили в мэрии."
P4 = "Подрядчика выбрали по итогам открытого конкурса, в котором участвовали шесть строительных компаний."


def html_page(body: str, head: str = "") -> bytes:
    return (
        f"<!DOCTYPE html><html lang='ru'><head><meta charset='utf-8'>{head}</head><body>{body}</body></html>".encode()
    )


def test_article_fields_from_markup() -> None:
    head = (
        "<title>Ремонт площади начнётся в мае | Городские новости</title>"
        "<meta property='article:published_time' content='2023-04-01T09:30:00+03:00'>"
        "<meta name='author' content='Анна Петрова'><meta name='news_keywords' content='ремонт, площадь'>"
    )
    body = f"<article><h1>Ремонт площади начнётся в мае</h1><p>{P1}</p><p>{P2}</p><p>{P3}</p><p>{P4}</p></article>"
    article = clean(Page(url="https://www.gorod-news.ru/news/1", html=html_page(body, head)))
    assert isinstance(article, Article)
    assert article.site == "gorod-news.ru"
    assert article.title == "Ремонт площади начнётся в мае"
    assert article.published_at == datetime(2023, 4, 1, 6, 30, tzinfo=UTC)
    assert article.authors == ["Анна Петрова"]
    assert article.tags == ["ремонт", "площадь"]
    assert article.language == "ru"
    assert article.encoding == "utf-8"
    assert article.body.split("\n\n")[0] == P1
    assert "Ремонт площади начнётся в мае" not in article.body


def test_html_text_input_is_accepted_as_already_decoded() -> None:
    body = f"<div class='content'><p>{P1}</p><p>{P2}</p><p>{P3}</p></div>"
    article = clean(Page(html=html_page(body).decode()))
    assert article.encoding is None
    assert P2 in article.body


def test_embedded_tweet_blockquote_moves_to_embeds() -> None:
    tweet = (
        "<blockquote class='twitter-tweet'><p lang='en'>The square will be <a href='#'>#renewed</a> soon</p>"
        "&mdash; City Hall (@cityhall) <a href='https://twitter.com/cityhall/status/1'>April 1, 2023</a></blockquote>"
    )
    body = f"<article><p>{P1}</p>{tweet}<p>{P2}</p><p>{P3}</p><p>{P4}</p></article>"
    article = clean(Page(url="https://gorod-news.ru/1", html=html_page(body)))
    assert [(e.kind, e.author, e.handle, e.date, e.text) for e in article.embeds] == [
        ("tweet", "City Hall", "@cityhall", "2023-04-01", "The square will be #renewed soon")
    ]
    assert "renewed" not in article.body
    assert "html:embeds" in article.rules_fired


def test_article_inside_a_layout_table_is_found() -> None:
    menu = "".join(f"<a href='/r{n}'>Рубрика {n}</a><br>" for n in range(12))
    body = (
        f"<table><tr><td class='menu'>{menu}</td><td><h1>Ремонт площади</h1>"
        f"<p>{P1}</p><p>{P2}</p><p>{P3}</p><p>{P4}</p></td></tr></table>"
        "<table><tr><td>Контакты редакции</td><td>тел. 123-45-67</td></tr></table>"
    )
    article = clean(Page(url="https://gorod-news.ru/1", html=html_page(body)))
    assert article.body.startswith(P1)
    assert P4 in article.body
    assert "Рубрика" not in article.body
    assert "html:layout-tables" in article.rules_fired


def test_article_in_a_wrapper_named_comments_is_not_lost() -> None:
    teaser = "Короткий анонс другой статьи про совсем другие события в нашем городе и области."
    body = (
        "<div id='sidebar'>" + "".join(f"<p><a href='/t{n}'>{teaser}</a></p>" for n in range(3)) + "</div>"
        f"<div id='comments_page_wrapper'><div class='news_title'>Ремонт площади</div>"
        f"<div class='news_text'><p>{P1}</p><p>{P2}</p><p>{P3}</p><p>{P4}</p></div></div>"
    )
    article = clean(Page(url="https://gorod-news.ru/1", html=html_page(body)))
    assert P1 in article.body and P4 in article.body
    assert teaser not in article.body
    assert "html:densest-element" in article.rules_fired


def test_lead_outside_the_text_opens_the_body() -> None:
    lead = "Главное о ремонте центральной площади: сроки, подрядчик и ограничения движения."
    body = (
        f"<h1>Ремонт площади</h1><h2 class='lead'>{lead}</h2><div class='text'><p>{P1}</p><p>{P2}</p><p>{P3}</p></div>"
    )
    article = clean(Page(url="https://gorod-news.ru/1", html=html_page(body)))
    assert article.lead == lead
    assert article.body.startswith(lead)


def test_footer_imprint_and_copyright_do_not_reach_the_body() -> None:
    footer = (
        "<div class='bottom'><p>© 2023 Городские новости. Все права защищены.</p>"
        "<p>Свидетельство о регистрации СМИ ЭЛ № ФС 77-00000</p><p>Адрес редакции: г. Город, ул. Ленина, 1</p></div>"
    )
    body = f"<div class='text'><p>{P1}</p><p>{P2}</p><p>{P3}</p><p>{P4}</p></div>{footer}"
    article = clean(Page(url="https://gorod-news.ru/1", html=html_page(body)))
    assert "Все права защищены" not in article.body
    assert "Адрес редакции" not in article.body
    assert article.body.endswith(P4)
