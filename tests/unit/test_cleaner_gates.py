"""The gate: list pages, tiny bodies and foreign text are refused with a reason."""

from __future__ import annotations

import pytest

from agents.cleaner import NotAnArticle, Page, clean
from agents.cleaner.gates import detect_language

RU = "Городские власти объявили о начале ремонта центральной площади, работы продлятся до конца лета. " * 4
UK = "Міська влада оголосила про початок ремонту центральної площі, роботи триватимуть до кінця літа. " * 4
EN = "City authorities announced the start of repairs to the central square, works will last until summer. " * 4


def test_index_page_of_headlines_is_refused() -> None:
    items = "".join(
        f"<li><a href='/news/{n}'>Заголовок новости номер {n} о событиях в городе</a></li>" for n in range(40)
    )
    html = f"<html><body><h1>Все новости</h1><ul>{items}</ul></body></html>".encode()
    with pytest.raises(NotAnArticle) as caught:
        clean(Page(url="https://gorod-news.ru/news/", html=html))
    assert caught.value.reason.startswith(("list or index page", "tiny body"))


def test_tiny_body_is_refused() -> None:
    with pytest.raises(NotAnArticle, match="tiny body"):
        clean(Page(text="Короткая заметка в одну строку."))


@pytest.mark.parametrize(("text", "language"), [(UK, "uk"), (EN, "en")])
def test_text_not_in_russian_is_refused(text: str, language: str) -> None:
    with pytest.raises(NotAnArticle, match=f"not Russian.*'{language}'"):
        clean(Page(url="https://russian.rt.com/world/news/1", text=text))


def test_russian_text_passes_the_gate() -> None:
    article = clean(Page(text=RU))
    assert article.language == "ru"


def test_language_detection() -> None:
    assert detect_language(RU) == "ru"
    assert detect_language(UK) == "uk"
    assert detect_language(EN) == "en"
    assert detect_language("12 34") is None


def test_article_with_many_short_lines_is_not_a_list_page() -> None:
    items = "".join(f"<li>пункт программы номер {n}</li>" for n in range(14))
    closing = "Организаторы напомнили, что вход на все мероприятия праздника будет свободным для жителей. " * 3
    html = (
        "<html><body><article><h1>Программа праздника</h1>"
        f"<p>{RU}</p><ul>{items}</ul><p>{closing}</p></article></body></html>"
    ).encode()
    article = clean(Page(url="https://gorod-news.ru/news/1", html=html))
    assert article.title == "Программа праздника"
    assert "пункт программы номер 13" in article.body
    assert article.body.startswith(RU.strip())
