"""Grouping of named mentions into entities, and salience, without the models."""

from __future__ import annotations

from typing import cast

import pytest

from agents.annotator.entities import NamedMention, group_entities, salience
from schemas.models import EntityType, Mention


def named(
    kind: str,
    start: int,
    name: str,
    *,
    short: bool = False,
    short_forms: tuple[str, ...] = (),
    known_as: str | None = None,
) -> NamedMention:
    mention = Mention(type=cast(EntityType, kind), start=start, stop=start + len(name), text=name, normal=name)
    return NamedMention(mention, name, short=short, short_forms=short_forms, known_as=known_as)


def summary(mentions: list[NamedMention], length: int = 1000) -> list[tuple[str, str, int, int]]:
    entities = group_entities(mentions, length).entities
    return [(e.type, e.name, e.count, e.first_offset) for e in entities]


def test_surname_joins_the_full_name_even_when_it_comes_first() -> None:
    mentions = [
        named("PER", 10, "Путин", short=True),
        named("PER", 50, "Владимир Путин", short_forms=("Путин",)),
        named("PER", 90, "Путин", short=True),
    ]
    assert summary(mentions) == [("PER", "Владимир Путин", 3, 10)]


def test_ambiguous_surname_goes_to_the_most_mentioned_person() -> None:
    mentions = [
        named("PER", 0, "Мелания Трамп", short_forms=("Трамп",)),
        named("PER", 100, "Дональд Трамп", short_forms=("Трамп",)),
        named("PER", 200, "Дональд Трамп", short_forms=("Трамп",)),
        named("PER", 300, "Трамп", short=True),
    ]
    assert sorted(summary(mentions)) == [("PER", "Дональд Трамп", 3, 100), ("PER", "Мелания Трамп", 1, 0)]


def test_alias_name_is_the_last_resort_for_a_short_mention() -> None:
    alone = [named("PER", 0, "Путин", short=True, known_as="Владимир Путин")]
    assert summary(alone) == [("PER", "Владимир Путин", 1, 0)]
    in_context = [
        named("PER", 0, "Тиллерсон", short=True, known_as="Рекс Тиллерсон"),
        named("PER", 40, "Джон Тиллерсон", short_forms=("Тиллерсон",)),
    ]
    assert summary(in_context) == [("PER", "Джон Тиллерсон", 2, 0)]


def test_bare_organisation_joins_the_one_named_with_its_country() -> None:
    mentions = [
        named("ORG", 0, "МИД России", short_forms=("МИД",)),
        named("ORG", 80, "МИД", short=True),
        named("LOC", 4, "Россия"),
    ]
    assert summary(mentions) == [("ORG", "МИД России", 2, 0), ("LOC", "Россия", 1, 4)]


def test_same_name_different_types_are_different_entities() -> None:
    mentions = [named("LOC", 0, "Вашингтон"), named("PER", 30, "Вашингтон", short=True)]
    assert sorted(summary(mentions)) == [("LOC", "Вашингтон", 1, 0), ("PER", "Вашингтон", 1, 30)]


def test_entities_come_most_salient_first() -> None:
    mentions = [named("LOC", 900, "Сирия"), *(named("PER", offset, "Сергей Лавров") for offset in (100, 500, 700))]
    entities = group_entities(mentions, 1000).entities
    assert [e.name for e in entities] == ["Сергей Лавров", "Сирия"]
    assert entities[0].salience > entities[1].salience


def test_title_raises_salience() -> None:
    mentions = [named("LOC", 500, "Сирия"), named("LOC", 100, "Ливия")]
    plain = {e.name: e.salience for e in group_entities(mentions, 1000).entities}
    titled = {e.name: e.salience for e in group_entities(mentions, 1000, title_words=frozenset({"сирия"})).entities}
    assert titled["Сирия"] > plain["Сирия"]
    assert titled["Ливия"] == plain["Ливия"]


def test_title_mention_resolves_like_a_body_mention() -> None:
    mentions = [named("PER", 300, "Сергей Лавров", short_forms=("Лавров",)), named("PER", 0, "Рекс Тиллерсон")]
    entities = group_entities(mentions, 1000, [named("PER", 0, "Лавров", short=True)]).entities
    assert entities[0].name == "Сергей Лавров"


@pytest.mark.parametrize(
    ("count", "top", "offset", "length", "in_title", "expected"),
    [
        (1, 1, 0, 100, True, 1.0),
        (1, 1, 0, 100, False, 0.8),
        (1, 2, 50, 100, False, 0.4),
        (1, 4, 100, 100, False, 0.1125),
        (3, 3, 0, 0, False, 0.45),
    ],
)
def test_salience_blend(count: int, top: int, offset: int, length: int, in_title: bool, expected: float) -> None:
    assert salience(count, top, offset, length, in_title) == pytest.approx(expected)


def test_no_mentions_no_entities() -> None:
    assert group_entities([], 100).entities == []
