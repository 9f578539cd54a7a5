"""How texts are cut for the NER model and how its tags become spans."""

from __future__ import annotations

import itertools

import pytest

from agents.annotator.nlp import bio_spans, plain_word
from agents.annotator.pieces import chunk_bounds
from agents.annotator.spans import Span, Token


def test_short_text_is_one_chunk() -> None:
    assert chunk_bounds("Путин прибыл в Москву.", 100) == [(0, 22)]


def test_chunks_cover_the_text_and_prefer_paragraph_breaks() -> None:
    paragraph = "Сергей Лавров прибыл в Вену. " * 5
    text = "\n\n".join([paragraph] * 10)
    bounds = chunk_bounds(text, 400)
    assert bounds[0][0] == 0 and bounds[-1][1] == len(text)
    assert all(stop == next_start for (_, stop), (next_start, _) in itertools.pairwise(bounds))
    assert all(stop - start <= 400 for start, stop in bounds)
    assert all(text[stop - 2 : stop] == "\n\n" for _, stop in bounds[:-1])


@pytest.mark.parametrize(("text", "size"), [("а" * 1000, 300), ("слово " * 200, 250)])
def test_text_without_breaks_is_still_cut(text: str, size: int) -> None:
    bounds = chunk_bounds(text, size)
    assert "".join(text[start:stop] for start, stop in bounds) == text
    assert all(stop - start <= size for start, stop in bounds)


def test_bio_tags_become_spans_as_slovnet_reads_them() -> None:
    words = ["Глава", "МИД", "России", "Сергей", "Лавров", "и", "сам", "Лавров"]
    tokens, offset = [], 0
    for word in words:
        tokens.append(Token(offset, offset + len(word), word))
        offset += len(word) + 1
    tags = ["O", "B-ORG", "B-LOC", "B-PER", "I-PER", "O", "I-PER", "B-PER"]
    assert list(bio_spans(tokens, tags)) == [
        Span(6, 9, "ORG"),
        Span(10, 16, "LOC"),
        Span(17, 30, "PER"),
        Span(37, 43, "PER"),
    ]


def test_stress_marks_are_hidden_from_the_models() -> None:
    assert plain_word("Пу\u0301тин") == "Путин"
    assert plain_word("Москва") == "Москва"
