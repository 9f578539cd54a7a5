"""Which texts the annotator refuses, and how it makes the rest safe."""

from __future__ import annotations

import pytest

from agents.annotator.guard import UnannotatableText, prepare_text, replace_unsafe_chars

RUSSIAN = "Президент России Владимир Путин провёл переговоры в Москве."


@pytest.mark.parametrize(
    ("text", "reason_start"),
    [
        ("", "empty text"),
        ("  \n\t \n", "empty text"),
        ("\x00\x01\x02", "empty text"),
        ("12 345 — 67,8 %", "no letters"),
        ("The president met his counterpart in Moscow on Tuesday.", "another language"),
        ("Президент України провів нараду з міністрами щодо їхньої роботи.", "another language"),
    ],
)
def test_rejects_with_reason(text: str, reason_start: str) -> None:
    with pytest.raises(UnannotatableText) as caught:
        prepare_text(text)
    assert caught.value.reason.startswith(reason_start)
    assert str(caught.value) == caught.value.reason


def test_size_cap_is_a_parameter() -> None:
    prepare_text(RUSSIAN, max_chars=len(RUSSIAN))
    with pytest.raises(UnannotatableText, match="too long"):
        prepare_text(RUSSIAN, max_chars=len(RUSSIAN) - 1)


def test_default_size_cap_is_a_million_chars() -> None:
    with pytest.raises(UnannotatableText, match="1000000"):
        prepare_text("а" * 1_000_001)


def test_russian_text_with_some_english_passes() -> None:
    text = RUSSIAN + " Об этом пишет The New York Times."
    assert prepare_text(text) == text


def test_control_characters_become_spaces_in_place() -> None:
    text = "Путин\x00 приехал\x1b в Москву\x7f.\ud800"
    safe = prepare_text(text)
    assert len(safe) == len(text)
    assert safe == "Путин  приехал  в Москву . "


def test_line_breaks_and_tabs_are_kept() -> None:
    assert replace_unsafe_chars("а\nб\tв\r\n") == "а\nб\tв\r\n"
