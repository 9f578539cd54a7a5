"""Repairs of NER spans at token bounds, by the shape of the text around them.

The NER model tends to run a span over list bullets and line breaks, to swallow
a bracketed acronym or translation ("Комитет защиты журналистов (КЗЖ)"), to
take a legal form with a quoted name ("ОАО «Газпром»") and to cut a name after
"им.". Each repair below fixes one of those shapes, for any name. One repair
needs morphology and runs after tagging: attaching a relational adjective.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from natasha.doc import DocToken

from agents.annotator.nlp import AnalysedTokens
from agents.annotator.spans import Span, TokenIndex, TokenRun


def _word_set(words: str) -> frozenset[str]:
    return frozenset(words.split())


BREAK_TOKENS = frozenset("•·|;,▪►●■◦")
OPEN_BRACKETS = frozenset("([{")
CLOSE_BRACKETS = frozenset(")]}")
QUOTES = frozenset("«»\"„“”‘’‹›'")
# Words naming what an organisation is rather than which one: a name quoted
# after them is the name itself ("концерн «Майкрософт»", "ИА Regnum").
DESCRIPTORS = _word_set(
    """
    оао зао ооо пао ао нко ано гуп фгуп муп фгу фгбу гбу ип иа тк фк хк пк нпо нпп риа ркк
    агентство агенство информагентство концерн компания корпорация холдинг газета журнал издание
    телеканал радиостанция телекомпания радио сайт портал издательство фирма группа клуб команда
    объединение предприятие организация банк завод фабрика комбинат театр кинотеатр отель гостиница
    магазин ресторан аэропорт станция стадион центр бизнес-центр ансамбль группировка движение партия
    фонд общество союз ассоциация институт университет академия школа колледж лицей фестиваль конкурс
    проект
    """
)
# Only these descriptors are cut from an unquoted name: with the others the
# word is often part of the name ("Банк России", "Театр на Таганке").
UNQUOTED_DESCRIPTORS = _word_set(
    """
    оао зао ооо пао ао нко ано гуп фгуп муп иа агентство агенство информагентство концерн компания
    корпорация холдинг газета журнал издание телеканал радиостанция телекомпания
    """
)
NAMED_AFTER = ("им", "имени")
LATIN_ABBREVIATIONS = frozenset({"inc", "corp", "co", "ltd", "llc", "plc", "jr", "sr"})

Repair = Callable[[TokenIndex, list[TokenRun]], list[TokenRun]]


def _is_word(text: str) -> bool:
    return any(char.isalnum() for char in text)


def _cut(run: TokenRun, cut_at: Iterable[int]) -> list[TokenRun]:
    """Split `run` at the given token indices, dropping those tokens."""
    pieces = []
    first = run.first
    for index in sorted(cut_at):
        if first < index:
            pieces.append(TokenRun(first, index, run.type))
        first = index + 1
    if first < run.last:
        pieces.append(TokenRun(first, run.last, run.type))
    return pieces


def split_at_breaks(index: TokenIndex, runs: list[TokenRun]) -> list[TokenRun]:
    """Names never cross a bullet, a comma, a semicolon or a line break."""
    result = []
    for run in runs:
        pieces = []
        first = run.first
        for position in range(run.first, run.last):
            token = index.tokens[position]
            if token.text in BREAK_TOKENS or (position > first and "\n" in index.gap_before(position)):
                if first < position:
                    pieces.append(TokenRun(first, position, run.type))
                first = position + 1 if token.text in BREAK_TOKENS else position
        if first < run.last:
            pieces.append(TokenRun(first, run.last, run.type))
        result.extend(pieces)
    return result


def split_brackets(index: TokenIndex, runs: list[TokenRun]) -> list[TokenRun]:
    """Split a name with a bracketed acronym or translation into the two names it holds.

    "Союз координационных советов (СКС)", "Скотт Хоровитц (Scott Horowitz)".
    """
    result = []
    for run in runs:
        cut_at = [
            position
            for position in range(run.first, run.last)
            if index.tokens[position].text in OPEN_BRACKETS | CLOSE_BRACKETS
        ]
        result.extend(_cut(run, cut_at))
    return result


def _is_descriptor(index: TokenIndex, run: TokenRun, vocabulary: frozenset[str]) -> bool:
    words = [word for word in index.words(run) if _is_word(word)]
    return bool(words) and all(word.lower() in vocabulary or word.islower() for word in words)


def _is_quote_mark(index: TokenIndex, position: int) -> bool:
    """A quote glued to words on both sides is an apostrophe inside a name ("О’Рейли")."""
    if index.tokens[position].text not in QUOTES:
        return False
    glued_before = position > 0 and not index.gap_before(position)
    glued_after = position + 1 < len(index.tokens) and not index.gap_before(position + 1)
    return not (glued_before and glued_after)


def split_quotes(index: TokenIndex, runs: list[TokenRun]) -> list[TokenRun]:
    """A quoted name is a name of its own; a descriptor before it is dropped."""
    result = []
    for run in runs:
        cut_at = [position for position in range(run.first, run.last) if _is_quote_mark(index, position)]
        if not cut_at:
            result.append(run)
            continue
        pieces = _cut(run, cut_at)
        if pieces and pieces[0].last <= cut_at[0] and _is_descriptor(index, pieces[0], DESCRIPTORS):
            pieces = pieces[1:]
        result.extend(pieces)
    return result


def strip_unquoted_descriptor(index: TokenIndex, runs: list[TokenRun]) -> list[TokenRun]:
    """Cut a legal form or a kind of outlet off an unquoted name: "ИА Regnum" names Regnum."""
    result = []
    for run in runs:
        first = run.first
        while (
            run.type == "ORG"
            and first + 1 < run.last
            and index.tokens[first].text.lower() in UNQUOTED_DESCRIPTORS
            and not index.tokens[first + 1].text[:1].islower()
        ):
            first += 1
        result.append(TokenRun(first, run.last, run.type))
    return result


def trim_punctuation(index: TokenIndex, runs: list[TokenRun]) -> list[TokenRun]:
    """Spans start and end on a word: stray quotes, dashes and dots go."""
    result = []
    for run in runs:
        first, last = run.first, run.last
        while first < last and not _is_word(index.tokens[first].text):
            first += 1
        while last > first and not _is_word(index.tokens[last - 1].text) and index.tokens[last - 1].text != ".":
            last -= 1
        while last > first and index.tokens[last - 1].text == "." and not _ends_abbreviation(index, last - 1):
            last -= 1
        if first < last:
            result.append(TokenRun(first, last, run.type))
    return result


def _ends_abbreviation(index: TokenIndex, dot: int) -> bool:
    """A dot right after a short lowercase word ("им.", "г.") or "Inc" belongs to it."""
    if dot == 0 or index.gap_before(dot):
        return False
    word = index.tokens[dot - 1].text
    return (word.isalpha() and word.islower() and len(word) <= 3) or word.lower() in LATIN_ABBREVIATIONS


def merge_named_after(index: TokenIndex, runs: list[TokenRun]) -> list[TokenRun]:
    """Join a person named after "им."/"имени" to the organisation: "Театр им. Йозефа Бойса"."""
    result: list[TokenRun] = []
    for run in runs:
        previous = result[-1] if result else None
        if previous is not None and previous.type in ("ORG", "LOC") and run.type == "PER":
            between = [token.text.lower() for token in index.tokens[previous.last : run.first]]
            tail = [word.lower() for word in index.words(previous)[-2:]]
            if _names_after(between) or (not between and _names_after(tail)):
                result[-1] = TokenRun(previous.first, run.last, previous.type)
                continue
        result.append(run)
    return result


def _names_after(words: list[str]) -> bool:
    words = [word for word in words if word != "."]
    return bool(words) and words[-1] in NAMED_AFTER


SURFACE_REPAIRS: tuple[Repair, ...] = (
    split_at_breaks,
    split_brackets,
    split_quotes,
    trim_punctuation,
    strip_unquoted_descriptor,
    merge_named_after,
)


def repair_spans(index: TokenIndex, spans: Iterable[Span], repairs: Iterable[Repair] = SURFACE_REPAIRS) -> list[Span]:
    """Apply `repairs` in order to spans of `index.text`; the result is sorted."""
    runs = [run for run in (index.run_of(span) for span in sorted(spans)) if run is not None]
    for repair in repairs:
        runs = sorted(repair(index, runs), key=lambda run: (run.first, run.last))
    return [index.span_of(run) for run in runs]


# Adjectives of relation ("японский", "государственный", "синодальный"), unlike
# qualities ("новый", "влиятельный"), say which organisation is meant.
RELATIONAL_ADJECTIVE = re.compile(
    r"(ск|цк|альн|енн|онн)(ий|ый|ой|ая|яя|ое|ее|ие|ые|ого|его|ому|ему|ым|им|ом|ем|ую|юю|ых|их|ыми|ими)$"
)
AGREEMENT = ("Case", "Number", "Gender")


def attach_relational_adjectives(index: TokenIndex, runs: list[TokenRun], analysed: AnalysedTokens) -> list[TokenRun]:
    """Join an agreeing relational adjective to the organisation after it: "японского МИДа"."""
    result: list[TokenRun] = []
    for run in runs:
        first = run.first
        free_before = not result or result[-1].last < first
        if run.type == "ORG" and first > 0 and free_before and not index.gap_before(first).strip():
            pair = analysed.of(first - 1, first + 1)
            if pair is not None and _agreeing_relational_adjective(*pair):
                first -= 1
        result.append(TokenRun(first, run.last, run.type))
    return result


def _agreeing_relational_adjective(adjective: DocToken, noun: DocToken) -> bool:
    if adjective.pos != "ADJ" or not adjective.text.islower() or not RELATIONAL_ADJECTIVE.search(adjective.text):
        return False
    adjective_feats, noun_feats = adjective.feats or {}, noun.feats or {}
    return all(
        adjective_feats.get(feature) == noun_feats.get(feature)
        for feature in AGREEMENT
        if adjective_feats.get(feature) and noun_feats.get(feature)
    )


NAME_BEARING_POS = frozenset({"PROPN", "NOUN", "ADJ", "X", "NUM", "SYM"})


def drop_nameless(index: TokenIndex, runs: list[TokenRun], analysed: AnalysedTokens) -> list[TokenRun]:
    """A span with no noun, adjective or foreign word ("Все", "Подана") names nothing."""
    result = []
    for run in runs:
        tokens = analysed.of(run.first, run.last)
        if tokens is not None and not any(token.pos in NAME_BEARING_POS for token in tokens):
            continue
        result.append(run)
    return result


# "институт «Коллективное действие»": a quoted name after a word for a kind of
# organisation is an organisation, even when the model misses it.
QUOTED_ORGANISATION = re.compile(
    r"(?<![\w-])(?:"
    r"компани|концерн|движени|парти|институт|фонд|банк|холдинг|агентств|газет|журнал|телеканал|радиостанци"
    r"|издани|издательств|организаци|ассоциаци|корпораци|объединени|обществ|союз|клуб|команд|групп|фирм"
    r"|оао|зао|ооо|пао|ао|фк|хк|иа|риа|гуп|фгуп"
    r")\w*\s+[«\"„“]([^»\"“”\n]{1,80})[»\"“”]",
    re.IGNORECASE,
)


def quoted_organisations(index: TokenIndex, spans: Iterable[Span]) -> list[Span]:
    """Quoted organisation names no span covers yet, on token bounds."""
    covered = [(span.start, span.stop) for span in spans]
    found = []
    for match in QUOTED_ORGANISATION.finditer(index.text):
        start, stop = match.span(1)
        name = match.group(1).strip()
        if not name or not (name[0].isupper() or name[0].isdigit()):
            continue
        if any(start < other_stop and other_start < stop for other_start, other_stop in covered):
            continue
        run = index.run_of(Span(start, stop, "ORG"))
        if run is not None:
            found.append(index.span_of(run))
    return found
