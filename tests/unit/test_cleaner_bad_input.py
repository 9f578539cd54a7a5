"""Hostile and broken input: a reason or a result, in bounded time, never a crash or a hang."""

from __future__ import annotations

import random
import time

import pytest

from agents.cleaner import NotAnArticle, Page, clean
from agents.cleaner.limits import MAX_ELEMENTS, MAX_NESTING, scan_tags
from tests.pages import saved_pages

PARAGRAPH = "Это обычный абзац новостного текста, в котором есть несколько слов и запятые, как в статье. "
BOUND_SECONDS = 5.0


def clean_or_reason(page: Page) -> tuple[str, float]:
    started = time.perf_counter()
    try:
        outcome = "article: " + clean(page).body[:40]
    except NotAnArticle as exc:
        outcome = "refused: " + exc.reason
    return outcome, time.perf_counter() - started


def test_garbage_bytes_are_refused() -> None:
    noise = random.Random(7).randbytes(300_000)
    outcome, seconds = clean_or_reason(Page(url="https://example.ru/a", html=noise))
    assert outcome.startswith("refused: garbage bytes")
    assert seconds < BOUND_SECONDS


@pytest.mark.parametrize("html", [b"", "", b"   \n", b"<html><body></body></html>", b"<html>"])
def test_empty_html_is_refused(html: bytes | str) -> None:
    with pytest.raises(NotAnArticle) as caught:
        clean(Page(html=html))
    assert caught.value.reason


def test_page_with_nothing_at_all_is_refused() -> None:
    with pytest.raises(NotAnArticle, match="empty page"):
        clean(Page(url="https://example.ru/a"))


def test_five_megabytes_of_nested_tables_are_refused_fast() -> None:
    bomb = (b"<table><tr><td>" * 170_000 + b"x" + b"</td></tr></table>" * 170_000)[:5_000_000]
    outcome, seconds = clean_or_reason(Page(html=bomb))
    assert outcome.startswith("refused: over-size")
    assert seconds < 1.0


def test_deep_nesting_bomb_is_refused_before_parsing() -> None:
    bomb = "<html><body>" + "<div><span>" * 20_000 + PARAGRAPH * 5 + "</span></div>" * 20_000 + "</body></html>"
    outcome, seconds = clean_or_reason(Page(html=bomb))
    assert outcome.startswith("refused: nesting too deep")
    assert seconds < 1.0


def test_nesting_just_below_the_limit_still_cleans() -> None:
    depth = MAX_NESTING - 20
    html = "<html><body>" + "<div>" * depth + f"<p>{PARAGRAPH * 6}</p>" + "</div>" * depth + "</body></html>"
    outcome, seconds = clean_or_reason(Page(html=html))
    assert outcome.startswith("article: Это обычный абзац")
    assert seconds < BOUND_SECONDS


def test_tag_scan_counts_depth_and_elements() -> None:
    assert scan_tags("<div><div><p>a<p>b</div><br></div>") == (2, 5)
    assert scan_tags("<li>" * 10) == (0, 10)
    assert scan_tags("<br>" * (MAX_ELEMENTS + 5))[1] == MAX_ELEMENTS + 1


def test_too_many_elements_are_refused() -> None:
    html = "<html><body><ul>" + "<li><a href='/x'>новость</a>" * 25_000 + "</ul></body></html>"
    outcome, seconds = clean_or_reason(Page(html=html))
    assert outcome.startswith("refused: too many elements")
    assert seconds < 1.0


def test_unknown_declared_charset_falls_back_to_detection() -> None:
    html = (
        b'<html><head><meta charset="x-no-such-charset"></head><body><p>'
        + (PARAGRAPH * 6).encode("cp1251")
        + b"</p></body></html>"
    )
    article = clean(Page(html=html, declared_charset="also-bogus"))
    assert article.body.startswith("Это обычный абзац новостного текста")
    assert article.encoding == "windows-1251"


def test_page_cut_inside_its_last_character_is_still_utf8() -> None:
    html = f"<html><body><p>{PARAGRAPH * 6} конец".encode()
    article = clean(Page(html=html[:-1]))
    assert "обычный абзац" in article.body
    assert article.encoding == "utf-8"


def test_over_size_text_is_refused() -> None:
    with pytest.raises(NotAnArticle, match="over-size text"):
        clean(Page(text="слово " * 400_000))


def test_binary_text_page_is_refused() -> None:
    with pytest.raises(NotAnArticle, match="garbage"):
        clean(Page(text="\x00\x01\x02" * 1000))


def test_control_characters_inside_markup_do_not_break_pruning() -> None:
    html = (
        "<html><body><div class='text'><p>" + PARAGRAPH * 4 + "\x01\x02</p>"
        "<span class='comments_count'>0</span>\x0b tail\x00</div></body></html>"
    )
    article = clean(Page(html=html))
    assert "обычный абзац" in article.body
    assert "\x01" not in article.body


@pytest.mark.parametrize("damage", ["cut short", "flipped bytes", "lost end tags", "wrong encoding"])
def test_damaged_real_pages_give_a_reason_or_a_result(damage: str) -> None:
    """Real pages cut short, with flipped bytes, lost end tags or a wrong encoding."""
    pages = saved_pages()
    assert len(pages) >= 10, "the outlets' pages and the real articles in tests/unit/fixtures"
    rnd = random.Random(damage)
    for url, html in pages:
        content = bytearray(html)
        if damage == "cut short":
            content = content[: rnd.randrange(len(content))]
        elif damage == "flipped bytes":
            for _ in range(rnd.randrange(1, 300)):
                content[rnd.randrange(len(content))] = rnd.randrange(256)
        elif damage == "lost end tags":
            content = bytearray(bytes(content).replace(b"</div>", b"", 40))
        else:
            content = bytearray(bytes(content).decode("utf-8", "replace").encode("koi8_r", "replace"))
        assert bytes(content) != html
        outcome, seconds = clean_or_reason(Page(html=bytes(content), declared_charset=rnd.choice([None, "bogus"])))
        assert outcome.startswith(("article: ", "refused: ")), url
        assert seconds < BOUND_SECONDS, url
