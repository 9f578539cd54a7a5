"""The factRuEval scorer: tokens, not spans, counted per type and summed."""

from __future__ import annotations

import pytest

from agents.annotator.spans import Span
from vestnik.evaluation.annotator import GoldDocument, f1_line, micro_average, score

TEXT = "Глава МИД России Сергей Лавров прибыл в Вену."
TOKENS = [(0, 5), (6, 9), (10, 16), (17, 23), (24, 30), (31, 37), (38, 39), (40, 44), (44, 45)]
GOLD = GoldDocument(
    "doc", TEXT, [Span(6, 9, "ORG"), Span(10, 16, "LOC"), Span(17, 30, "PER"), Span(40, 44, "LOC")], TOKENS
)


def test_scores_tokens_not_spans() -> None:
    predicted = [Span(6, 16, "ORG"), Span(17, 23, "PER"), Span(40, 44, "LOC")]
    result = score([GOLD], {"doc": predicted})
    assert (result["ORG"].correct, result["ORG"].predicted, result["ORG"].gold) == (1, 2, 1)
    assert (result["LOC"].correct, result["LOC"].predicted, result["LOC"].gold) == (1, 1, 2)
    assert (result["PER"].correct, result["PER"].predicted, result["PER"].gold) == (1, 1, 2)
    assert result["ORG"].precision == 0.5
    assert result["PER"].recall == 0.5
    assert result["LOC"].f1 == pytest.approx(2 / 3)


def test_micro_average_sums_the_counts() -> None:
    result = micro_average(score([GOLD], {"doc": [Span(6, 16, "ORG"), Span(40, 44, "LOC")]}))
    assert (result.correct, result.predicted, result.gold) == (2, 3, 5)


def test_spans_off_token_bounds_are_dropped() -> None:
    result = score([GOLD], {"doc": [Span(17, 28, "PER"), Span(41, 44, "LOC")]})
    assert result["PER"].predicted == 0
    assert result["LOC"].predicted == 0


def test_perfect_prediction_and_empty_prediction() -> None:
    perfect = score([GOLD], {"doc": GOLD.spans})
    assert f1_line(perfect) == "F1 PER=1.000 LOC=1.000 ORG=1.000"
    empty = score([GOLD], {})
    assert f1_line(empty) == "F1 PER=0.000 LOC=0.000 ORG=0.000"
