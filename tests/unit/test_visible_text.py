"""Characters that print nothing are out of titles, bodies, authors, tags and entity names."""

from __future__ import annotations

import sys
import unicodedata

import pytest

from agents.cleaner import Page, clean
from agents.common.text import visible_text

FORMAT_CHARACTERS = [chr(code) for code in range(sys.maxunicode + 1) if unicodedata.category(chr(code)) == "Cf"]
PRINTED = set("\u0600\u0601\u0602\u0603\u0604\u0605\u06dd\u070f\u0890\u0891\u08e2\U000110bd\U000110cd")
"""The prepended concatenation marks: category Cf, yet printed (a sign spanning the number after it)."""


def invisible(text: str) -> set[str]:
    return {f"U+{ord(char):04X}" for char in text if unicodedata.category(char) == "Cf" and char not in PRINTED}


def test_the_unicode_database_has_the_format_characters_named_here() -> None:
    named = {"\u00ad", "\u200b", "\u200c", "\u200d", "\u200e", "\u200f", "\u202a", "\u202e", "\u2060", "\u2066",
             "\u2069", "\ufeff", "\u061c", "\u180e", "\U000e0001", "\U000e007f"}
    assert named <= set(FORMAT_CHARACTERS)
    assert set(FORMAT_CHARACTERS) >= PRINTED


@pytest.mark.parametrize("char", FORMAT_CHARACTERS, ids=[f"U+{ord(char):04X}" for char in FORMAT_CHARACTERS])
def test_every_format_character_inside_a_russian_word_goes(char: str) -> None:
    expected = f"пере{char}ход" if char in PRINTED else "переход"
    assert visible_text(f"пере{char}ход") == expected
    assert visible_text(f"{char}Заголовок {char}") == (f"{char}Заголовок {char}" if char in PRINTED else "Заголовок ")


@pytest.mark.parametrize(
    "text",
    [
        "می\u200cخواهم",  # Persian: ZWNJ keeps "mi-" apart from the verb
        "क्\u200dष",  # Devanagari: ZWJ asks for the half form
        "👩\u200d💻",  # an emoji sequence
        "❤\ufe0f\u200d🔥",  # an emoji with its presentation selector, then a joiner
        "\U0001f3f4\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f",  # the flag of Scotland
        "\u0600١٢٣",  # the Arabic number sign
    ],
)
def test_what_a_script_needs_stays(text: str) -> None:
    assert visible_text(text) == text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Путин\u200d и\u200c Лавров", "Путин и Лавров"),  # joiners beside Cyrillic join nothing
        ("\u200dначало", "начало"),
        ("x\U000e0067\U000e0062", "x"),  # tag characters with no flag before them
        ("\ufeff\u200e\u202bтекст\u202c\u2069", "текст"),
        ("plain ASCII", "plain ASCII"),
    ],
)
def test_joiners_and_tags_with_nothing_to_join_go(text: str, expected: str) -> None:
    assert visible_text(text) == expected


PARAGRAPH = (
    "Городские власти объявили о начале ремонта центральной площади, работы продлятся до конца лета. "
    "По словам чиновников, на время ремонта движение транспорта по соседним улицам будет ограничено."
)


def test_a_page_full_of_format_characters_cleans_to_visible_text() -> None:
    """Every format character in the headline, the byline, the tags and the text of a page."""
    noise = "".join(char for char in FORMAT_CHARACTERS if char not in PRINTED)
    head = (
        f"<meta name='author' content='{noise}Анна\u00ad Петрова\u200f'>"
        f"<meta name='news_keywords' content='\u200bремонт, пло\u00adщадь{noise}'>"
    )
    paragraphs = "".join(f"<p>{noise[i::4]}{PARAGRAPH} Пере\u00adход\u200b закрыт{noise[i::3]}.</p>" for i in range(4))
    body = f"<article><h1>\u200bРемонт пло\u00adщади\u2066 начнётся в мае</h1><p class='lead'>\ufeff{PARAGRAPH}</p>"
    html = f"<html lang='ru'><head><meta charset='utf-8'>{head}</head><body>{body}{paragraphs}</article></body></html>"
    article = clean(Page(url="https://gorod-news.ru/news/1", html=html.encode()))

    assert article.title == "Ремонт площади начнётся в мае"
    assert article.authors == ["Анна Петрова"]
    assert article.tags == ["ремонт", "площадь"]
    assert article.lead == PARAGRAPH
    assert "Переход закрыт." in article.body
    for text in (article.title, article.lead, article.body, *article.authors, *article.tags):
        assert not invisible(text)


def test_a_plain_text_page_cleans_to_visible_text() -> None:
    lines = ["\ufeff\u200bРемонт центральной площади начнётся в мае", f"{PARAGRAPH}\u200e",
             f"{PARAGRAPH} Пере\u00adход закрыт.", f"{PARAGRAPH}\u2060"]
    text = "\n".join(lines)
    article = clean(Page(text=text))
    assert article.title == "Ремонт центральной площади начнётся в мае"
    assert "Переход закрыт." in article.body
    assert not invisible(article.body)


def test_entity_names_carry_no_format_characters() -> None:
    from agents.annotator.core import get_annotator

    text = (
        "Министр иностранных дел \u2066Сергей Лавров\u2069 прилетел в Женеву. "
        "\ufeffГлава МИД России Сергей Лавров\u200e заявил журналистам, что переговоры продолжатся."
    )
    annotation = get_annotator().annotate(text)
    names = {entity.name for entity in annotation.entities}
    assert "Сергей Лавров" in names
    assert all(not invisible(name) for name in names)
    assert all(not invisible(mention.normal) for mention in annotation.mentions)
    assert all(text[mention.start : mention.stop] == mention.text for mention in annotation.mentions)
