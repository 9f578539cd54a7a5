"""Mentions grouped into entities under one canonical name, with a salience.

Grouping works on what an article usually does: it names a person in full
once and by surname afterwards ("Владимир Путин" ... "Путин"), and names an
organisation with its country once and bare afterwards ("МИД России" ...
"МИД"). A short form joins the full entity it can only mean; when several
full entities fit, the one mentioned most (then earliest) wins.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace

from agents.annotator.aliases import fold
from schemas.models import Entity, EntityType, Mention

FREQUENCY_WEIGHT = 0.45
EARLINESS_WEIGHT = 0.35
TITLE_WEIGHT = 0.20


@dataclass(frozen=True)
class NamedMention:
    """A mention and what grouping needs to know about it."""

    mention: Mention
    name: str  # canonical candidate: alias, full person name, organisation with its country
    short: bool = False  # a surname alone, a bare organisation: may stand for a fuller entity
    short_forms: tuple[str, ...] = ()  # how later short mentions may refer to this one
    known_as: str | None = None  # a short mention's full name from the alias table, the last resort


@dataclass(eq=False)
class _Group:
    type: EntityType
    members: list[NamedMention] = field(default_factory=list)
    first_offset: int = -1
    in_title: bool = False

    def append(self, item: NamedMention) -> None:
        self.members.append(item)
        if self.first_offset < 0 or item.mention.start < self.first_offset:
            self.first_offset = item.mention.start

    @property
    def name(self) -> str:
        full = [member for member in self.members if not member.short] or self.members
        names = Counter(member.name for member in full)
        first_seen: dict[str, int] = {}
        for member in sorted(full, key=lambda member: member.mention.start):
            first_seen.setdefault(member.name, member.mention.start)
        return max(names, key=lambda name: (names[name], -first_seen[name]))

    def one_word_names(self) -> set[str]:
        names = {fold(name) for member in self.members for name in (member.name, *member.short_forms)}
        return {name for name in names if " " not in name}


class _Grouper:
    def __init__(self) -> None:
        self.groups: dict[tuple[str, str], _Group] = {}
        self._answering: dict[tuple[str, str], list[_Group]] = {}  # short form -> groups it may mean

    def target(self, item: NamedMention) -> _Group | None:
        """The entity a mention belongs to among those grouped so far."""
        wanted = fold(item.name)
        if item.short:
            candidates = self._answering.get((item.mention.type, wanted))
            if candidates:
                return max(candidates, key=lambda group: (len(group.members), -group.first_offset))
        return self.groups.get((item.mention.type, wanted))

    def add(self, mentions: Iterable[NamedMention]) -> None:
        for item in mentions:
            group = self.target(item) if item.short else None
            if group is None and item.known_as:
                item = replace(item, name=item.known_as, short=False, short_forms=(item.name,))
            if group is None:
                key = (item.mention.type, fold(item.name))
                group = self.groups.setdefault(key, _Group(item.mention.type))
            group.append(item)
            for form in item.short_forms:
                answering = self._answering.setdefault((item.mention.type, fold(form)), [])
                if group not in answering:
                    answering.append(group)

    def mark_title(self, mentions: Iterable[NamedMention], words: frozenset[str]) -> None:
        for group in self.groups.values():
            if group.one_word_names() & words:
                group.in_title = True
        for item in mentions:
            found = self.target(item)
            if found is None and item.known_as:
                found = self.groups.get((item.mention.type, fold(item.known_as)))
            if found is not None:
                found.in_title = True


@dataclass(frozen=True)
class Grouping:
    """The entities of a text, and which entity each mention (by its start offset) belongs to."""

    entities: list[Entity]
    entity_of: dict[int, str]  # mention start -> canonical name


def group_entities(
    mentions: Sequence[NamedMention],
    text_length: int,
    title_mentions: Sequence[NamedMention] = (),
    title_words: frozenset[str] = frozenset(),
) -> Grouping:
    """One Entity per canonical entity, the most salient first.

    An entity is in the title when a title mention resolves to it, or when one of
    its one-word names is among `title_words` (folded lemmas): the NER model often
    misses a bare surname opening a headline ("Лавров раскрыл ...").
    """
    grouper = _Grouper()
    grouper.add(item for item in mentions if not item.short)
    grouper.add(item for item in mentions if item.short)
    grouper.mark_title(title_mentions, title_words)
    groups = [group for group in grouper.groups.values() if group.members]
    if not groups:
        return Grouping([], {})
    top_count = max(len(group.members) for group in groups)
    entities = [
        Entity(
            type=group.type,
            name=group.name,
            count=len(group.members),
            first_offset=group.first_offset,
            salience=salience(len(group.members), top_count, group.first_offset, text_length, group.in_title),
        )
        for group in groups
    ]
    entity_of = {member.mention.start: group.name for group in groups for member in group.members}
    entities.sort(key=lambda entity: (-entity.salience, entity.first_offset, entity.name))
    return Grouping(entities, entity_of)


def salience(count: int, top_count: int, first_offset: int, text_length: int, in_title: bool) -> float:
    """0..1: how often against the most mentioned entity, how early, and the title."""
    frequency = count / top_count if top_count else 0.0
    earliness = 1.0 - min(first_offset, text_length) / text_length if text_length else 0.0
    score = FREQUENCY_WEIGHT * frequency + EARLINESS_WEIGHT * earliness + TITLE_WEIGHT * float(in_title)
    return round(min(max(score, 0.0), 1.0), 4)
