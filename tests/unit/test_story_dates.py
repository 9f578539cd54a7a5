"""Dates in a report's lead: one event happens on its own day."""

from __future__ import annotations

from agents.stories import Article, StoryConfig, StoryIndex
from agents.stories.dates import disagree, lead_dates
from tests.unit.test_story_vectors import unit


def test_worded_and_numeric_dates_of_the_headline_and_lead_are_found() -> None:
    assert lead_dates("Прогноз погоды на 8 ноября", "В пятницу, 8 ноября, и 16-го ноября; 01.12.2019") == {
        (11, 8), (11, 16), (12, 1)}
    assert lead_dates("Итоги 31 декабря", "") == {(12, 31)}
    assert lead_dates("", "В 2020 году, 45 мая, 32 марта, в 12 часов") == frozenset()


def test_only_the_lead_counts() -> None:
    assert lead_dates("", "x" * 400 + " 5 мая") == frozenset()
    assert lead_dates("", "5 мая " + "x" * 400) == {(5, 5)}


def test_two_leads_disagree_only_when_both_name_dates_and_share_none() -> None:
    assert disagree(frozenset({(11, 8)}), frozenset({(11, 16)}))
    assert not disagree(frozenset({(11, 8)}), frozenset({(11, 8), (11, 9)}))
    assert not disagree(frozenset({(11, 8)}), frozenset())
    assert not disagree(None, frozenset({(11, 8)}))


def test_reports_of_the_same_kind_on_other_days_are_other_stories() -> None:
    """Two forecasts read alike to the encoder and to the words; their dates tell them apart."""
    index = StoryIndex(StoryConfig(event_threshold=0.9))
    first = index.assign(Article("a", "Прогноз погоды на 8 ноября", "В пятницу, 8 ноября, ожидается снег.",
                                 vector=unit(1, 0.1)))
    other_day = index.assign(Article("b", "Прогноз погоды на 16 ноября", "В субботу, 16 ноября, ожидается снег.",
                                     vector=unit(1, 0.11)))
    same_day = index.assign(Article("c", "Снег 8 ноября", "Синоптики обещают снег в пятницу, 8 ноября.",
                                    vector=unit(1, 0.12)))
    undated = index.assign(Article("d", "Снег в пятницу", "Синоптики обещают снег.", vector=unit(1, 0.1)))
    assert other_day.new_story
    assert same_day.story_id == first.story_id == "a"
    assert undated.story_id == "a", "a report that names no date is not held apart"
    assert index.similarity_of(index.members[1], index.members[0]) == 0.0
