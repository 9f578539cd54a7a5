"""Direct speech and its speaker, as Russian news writes them.

A quotation counts when something attributes it: a speech verb after a dash
(«…», — сказал X), a split quote («…, — сказал X. — …»), a speech verb or a
name before a colon (X заявил: «…»), a speech verb before "что" (X заявил, что
«…»), "По словам X, «…»". A quotation with no attribution counts only when it
is a sentence of its own that reads as one, so names and titles in quotation
marks («Спартак», «Большой двадцатки») are left out. Marks pair within a
paragraph and only the outer ones count: a quote nested in a quote („…“ or
«…») is part of it.

The speaker is the person the attribution names, linked to the article's PER
entity; else the role phrase as written ("министр иностранных дел РФ"), linked
only when the article has put exactly that role right before one person's
full name earlier on; else an organisation or place ("сообщили в Кремле").
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from agents.annotator.aliases import fold
from agents.annotator.entities import Grouping, NamedMention
from schemas.models import Quote

CLOSERS = {"«": "»", "„": "“”", "“": "”"}
MARKS = re.compile('[«»„“”"\n]')
WORD = re.compile(r"\w+(?:-\w+)*")
BLANK = r"[^\S\n]"  # a space of any kind but a line break
DASH = r"(?:—|–|--?(?=\s))"
# «…», — сказал X; «…» — сказал X; «…», сказал X (then the verb must come first).
DASH_AFTER = re.compile(rf"{BLANK}*(?:,?{BLANK}*(?P<dash>{DASH})|,){BLANK}*")
LEAD_IN = re.compile(rf"(?::\s*|,{BLANK}*что{BLANK}*)$")  # a colon may end the paragraph before the quote
# A full stop after an initial ("В.В. Путин") does not end the attribution.
CLAUSE_END = re.compile(r"[\n;:!?…]|(?<![\s.][А-ЯЁA-Z])\.|\s[—–]\s")
SPLIT = re.compile(rf"(?<=[,!?…])\s+{DASH}\s+(?P<clause>[^\n«»]{{1,160}}?)[,.]\s+{DASH}\s+")
ACCORDING_TO = re.compile(
    r"(?:^|(?<=[\s(]))(?:[Пп]о\s+(?:словам|мнению|утверждению|оценке)|(?P<as>[Кк]ак))"
    r"\s+(?P<who>[^,.;:!?«»\n]{1,100}),\s*$"
)
SENTENCE_AFTER = re.compile(rf"[.!?…]?(?:{BLANK}*(?:\n|\Z)|{BLANK}+[«\"„]?[А-ЯЁA-Z—–])")
SENTENCE_INSIDE = re.compile(r"[.!?…]\W*$|[.!?…]\s+[«\"„]?[А-ЯЁA-Z]")
VERB_REACH = 3  # the speech verb is among the first words after the dash: "— так ответил Песков"
MAX_CLAUSE = 200
MAX_LEAD = 300

SAYING_VERBS = frozenset({
    "сказать", "заявить", "заявлять", "отметить", "отмечать", "считать", "пояснить", "пояснять", "сообщить",
    "сообщать", "добавить", "добавлять", "подчеркнуть", "подчёркивать", "заключить", "объяснить", "объяснять",
    "написать", "писать", "говорить", "рассказать", "рассказывать", "уточнить", "уточнять", "ответить", "отвечать",
    "признаться", "признаваться", "признать", "признавать", "заметить", "замечать", "указать", "указывать",
    "констатировать", "утверждать", "полагать", "думать", "уверять", "заверить", "уверить", "предупредить",
    "предупреждать", "напомнить", "напоминать", "подытожить", "резюмировать", "возразить", "возражать", "парировать",
    "спросить", "спрашивать", "поинтересоваться", "воскликнуть", "вспомнить", "вспоминать", "прокомментировать",
    "комментировать", "посетовать", "сетовать", "пожаловаться", "жаловаться", "пообещать", "обещать", "призвать",
    "призывать", "настаивать", "продолжить", "продолжать", "пошутить", "отреагировать", "заключать", "подытоживать",
    "рассуждать", "поправиться", "поправлять", "согласиться", "соглашаться", "объявить", "объявлять", "убеждать",
})  # fmt: skip
SAYING_SHORT_FORMS = frozenset({"уверен", "уверена", "уверены", "убеждён", "убеждена", "убеждены", "убежден"})
# Their subject is the source ("цитирует ТАСС"); the speaker is their object.
CITING_VERBS = frozenset({"цитировать", "процитировать", "привести", "приводить", "передать", "передавать"})
# "— слова Сильвии Финнеманн": whoever is named next spoke.
QUOTING_NOUNS = frozenset({"слова"})
# No one is named: "говорится в заявлении".
IMPERSONAL_VERBS = frozenset(
    {"говориться", "отмечаться", "подчёркиваться", "сообщаться", "указываться", "утверждаться"}
)
IMPERSONAL_FORMS = frozenset({"сказано", "написано", "отмечено", "указано", "заявлено", "подчёркнуто", "подчеркнуто"})
# "— Я обычно отвечаю так: «…»": the writer or the reader, not someone the article names.
FIRST_AND_SECOND_PERSON = frozenset({"я", "мы", "ты", "вы"})
OBLIQUE_CASES = frozenset({"datv", "ablt", "loct"})  # never the subject, never "слова кого"

# How an attribution names the speaker: as the subject of a speech verb, as the object of a citing verb,
# as anyone it names ("По словам X"), or not at all ("говорится в заявлении").
Mode = Literal["saying", "citing", "named", "impersonal"]
SAYING: Mode = "saying"
CITING: Mode = "citing"
NAMED: Mode = "named"
IMPERSONAL: Mode = "impersonal"


@dataclass(frozen=True)
class Word:
    start: int
    stop: int
    text: str


@dataclass(frozen=True)
class Attribution:
    """Where the speaker may be named and how to read it."""

    start: int
    stop: int
    mode: Mode
    verb: tuple[int, int] | None = None
    appositive: tuple[int, int] | None = None  # "— сказал директор X, кандидат наук Иван Петров"


def quoted_spans(text: str) -> list[tuple[int, int]]:
    """Outermost pairs of quotation marks as (opening, closing) positions, paired within a paragraph."""
    spans = []
    open_marks: list[tuple[int, str]] = []  # position, the marks that close it
    for mark in MARKS.finditer(text):
        char, position = mark.group(), mark.start()
        if char == "\n":
            open_marks.clear()
            continue
        level = next((depth for depth in reversed(range(len(open_marks))) if char in open_marks[depth][1]), None)
        straight = char == '"'
        if level is not None and (not straight or straight_mark_closes(text, position, open_marks)):
            opened = open_marks[level][0]
            del open_marks[level:]
            if not open_marks:
                spans.append((opened, position))
        elif char in CLOSERS or (straight and not straight_mark_closes(text, position, open_marks)):
            open_marks.append((position, CLOSERS.get(char, '"')))
    return spans


def straight_mark_closes(text: str, position: int, open_marks: list[tuple[int, str]]) -> bool:
    """A " closes when it follows a word and precedes a space or punctuation; else it opens."""
    before = text[position - 1] if position else " "
    after = text[position + 1] if position + 1 < len(text) else " "
    if (before.isspace() or before in "([«„-—") and not after.isspace():
        return False
    if not before.isspace() and (after.isspace() or after in ".,;:!?…)»-—"):
        return True
    return any('"' in closers for _, closers in open_marks)


def words_in(text: str, start: int, stop: int) -> list[Word]:
    return [
        Word(start + found.start(), start + found.end(), found.group()) for found in WORD.finditer(text[start:stop])
    ]


def stripped(text: str, start: int, stop: int) -> tuple[int, int]:
    while start < stop and text[start].isspace():
        start += 1
    while stop > start and text[stop - 1].isspace():
        stop -= 1
    return start, stop


def reads_as_sentences(text: str) -> bool:
    """Three words or more, from a capital letter to a full stop, or across a sentence break."""
    return len(WORD.findall(text)) >= 3 and first_letter(text).isupper() and SENTENCE_INSIDE.search(text) is not None


def reads_as_phrase(text: str) -> bool:
    """Words of running text rather than a name: two words or more, lower case first or sentences."""
    return len(WORD.findall(text)) >= 2 and (first_letter(text).islower() or reads_as_sentences(text))


def first_letter(text: str) -> str:
    return next((char for char in text if char.isalpha()), "")


class QuoteFinder:
    """Finds the quotes of a text; `vocab` is natasha's MorphVocab (pymorphy2, cached)."""

    def __init__(self, vocab: Any) -> None:
        self.vocab = vocab

    def find(self, original: str, safe: str, mentions: Sequence[NamedMention], grouping: Grouping) -> list[Quote]:
        """Quotes of `safe`, their texts taken from `original` (same length, same offsets)."""
        reading = _Reading(self, safe, mentions, grouping)
        quotes = []
        for opening, closing in quoted_spans(safe):
            for (start, stop), speaker, entity in reading.quote_parts(opening, closing):
                quote = Quote(text=original[start:stop], start=start, stop=stop, speaker=speaker, speaker_entity=entity)
                quotes.append(quote)
        return quotes

    def speech_kind(self, word: str) -> Mode | None:
        """How a speech verb (or "слова") after or before a quote names the speaker; None for other words."""
        lowered = word.lower()
        if lowered in IMPERSONAL_FORMS:
            return IMPERSONAL
        if lowered in SAYING_SHORT_FORMS:
            return SAYING
        if lowered in QUOTING_NOUNS:
            return NAMED
        lemmas = {form.normal for form in self.vocab.parse(lowered) if form.pos == "VERB"}
        if lemmas & IMPERSONAL_VERBS:
            return IMPERSONAL
        if lemmas & CITING_VERBS:
            return CITING
        return SAYING if lemmas & SAYING_VERBS else None

    def may_be(self, word: str, parts: Iterable[str], cases: Iterable[str]) -> bool:
        """Whether some reading of `word` is one of `parts` of speech in one of `cases`."""
        parts, cases = set(parts), set(cases)
        return any(form.pos in parts and form.tag.case in cases for form in self.vocab.parse(word))

    def first_reading(self, word: str) -> str | None:
        forms = self.vocab.parse(word)
        return str(forms[0].pos) if forms else None

    def is_name(self, word: str) -> bool:
        return any({"Name", "Surn"} & form.tag.grammemes for form in self.vocab.parse(word))

    def cases(self, word: str) -> set[str | None]:
        return {form.tag.case for form in self.vocab.parse(word)}

    def lemmas(self, word: str) -> set[str]:
        return {form.normal for form in self.vocab.parse(word.lower())}


class _Reading:
    """The quotes of one text: its mentions by kind, and how each attribution reads."""

    def __init__(self, finder: QuoteFinder, text: str, mentions: Sequence[NamedMention], grouping: Grouping) -> None:
        self.finder = finder
        self.text = text
        self.people = [item for item in mentions if item.mention.type == "PER"]
        self.others = [item for item in mentions if item.mention.type != "PER"]
        self.entity_of = grouping.entity_of

    def quote_parts(self, opening: int, closing: int) -> list[tuple[tuple[int, int], str | None, str | None]]:
        """The quoted words (several pieces for a split quote), speaker and entity; [] when not a quote."""
        start, stop = stripped(self.text, opening + 1, closing)
        if not any(char.isalpha() for char in self.text[start:stop]):
            return []
        pieces, attribution = self._split(start, stop)
        attribution = (
            attribution
            or self._after_dash(closing + 1, start, stop)
            or self._lead_in(opening, closing)
            or self._according_to(opening)
        )
        if attribution is None:
            if not (self._stands_alone(opening, closing) and reads_as_sentences(self.text[start:stop])):
                return []
            return [(piece, None, None) for piece in pieces]
        speaker, entity = self._speaker(attribution, opening)
        return [(piece, speaker, entity) for piece in pieces]

    # Attributions.

    def _split(self, start: int, stop: int) -> tuple[list[tuple[int, int]], Attribution | None]:
        """«Полагаю, — сообщила Стент. — Объект …»: the pieces and the attribution between them."""
        pieces, attribution, piece_start = [], None, start
        for found in SPLIT.finditer(self.text, start, stop):
            clause_start, clause_stop = found.span("clause")
            verb = self._speech_verb(clause_start, clause_stop)
            if verb is None:
                continue
            piece_stop = found.start() - 1 if self.text[found.start() - 1] == "," else found.start()
            pieces.append(stripped(self.text, piece_start, piece_stop))
            attribution = attribution or Attribution(clause_start, clause_stop, *verb)
            piece_start = found.end()
        pieces.append(stripped(self.text, piece_start, stop))
        return [piece for piece in pieces if piece[0] < piece[1]], attribution

    def _after_dash(self, position: int, start: int, stop: int) -> Attribution | None:
        """«…», — сказал X; «…», сказал X; or «…» — X, a name alone after a quote that reads as sentences."""
        dash = DASH_AFTER.match(self.text, position)
        if dash is None:
            return None
        if not dash.group("dash") and not reads_as_phrase(self.text[start:stop]):
            return None  # «Спартак», сказал он: a name before a comma
        clause_start = dash.end()
        reach = VERB_REACH if dash.group("dash") else 1
        limit = min(len(self.text), clause_start + MAX_CLAUSE)
        end = CLAUSE_END.search(self.text, clause_start, limit)
        clause_stop = end.start() if end else limit
        commas = [clause_start - 1, *(i for i in range(clause_start, clause_stop) if self.text[i] == ","), clause_stop]
        first_stop = commas[1]
        appositive = (commas[1] + 1, commas[2]) if len(commas) > 2 else None
        verb = self._speech_verb(clause_start, first_stop, reach)
        if verb is not None:
            return Attribution(clause_start, first_stop, *verb, appositive=appositive)
        named = [item.mention for item in self.people if item.mention.start >= clause_start]
        alone = named and stripped(self.text, clause_start, clause_stop) == (named[0].start, named[0].stop)
        if alone and reads_as_sentences(self.text[start:stop]):
            return Attribution(clause_start, clause_stop, SAYING)
        return None

    def _lead_in(self, opening: int, closing: int) -> Attribution | None:
        """X заявил: «…» or X заявил, что «…» (the speaker next to the verb); Лавров: «…».

        After a colon the quote must end its sentence or read as one ("обсудили темы: «Сирию», …"
        lists names); after "что" it must be a phrase, not a name («Газпром»).
        """
        found = LEAD_IN.search(self.text, max(0, opening - 12), opening)
        if found is None:
            return None
        quoted = self.text[opening + 1 : closing]
        after_colon = found.group().startswith(":")
        if after_colon and not (self._ends_sentence(closing) or reads_as_sentences(quoted)):
            return None
        if not after_colon and not reads_as_phrase(quoted):
            return None
        lead_stop = found.start()
        lead_start = max(0, lead_stop - MAX_LEAD)
        breaks = list(re.finditer(r"[.!?…\n]\s", self.text[lead_start:lead_stop]))
        lead_start += breaks[-1].end() if breaks else 0
        verbs = [
            (word, kind)
            for word in words_in(self.text, lead_start, lead_stop)
            if (kind := self.finder.speech_kind(word.text)) is not None
        ]
        if verbs:
            verb, kind = verbs[-1]
            comma = self.text.rfind(",", lead_start, verb.start)
            return Attribution(comma + 1 if comma >= 0 else lead_start, lead_stop, kind, (verb.start, verb.stop))
        last = [
            item.mention for item in self.people if lead_start <= item.mention.start and item.mention.stop <= lead_stop
        ]
        if after_colon and last and not self.text[last[-1].stop : lead_stop].strip():
            return Attribution(last[-1].start, lead_stop, NAMED)
        return None

    def _according_to(self, opening: int) -> Attribution | None:
        """По словам X, «…»; Как заявил X, «…»."""
        found = ACCORDING_TO.search(self.text, max(0, opening - 130), opening)
        if found is None:
            return None
        start, stop = found.span("who")
        if not found.group("as"):
            return Attribution(start, stop, NAMED)
        verb = self._speech_verb(start, stop)
        return Attribution(start, stop, *verb) if verb else None

    def _stands_alone(self, opening: int, closing: int) -> bool:
        """Nothing of the sentence before the quote or after it."""
        before = self.text[max(0, opening - 3) : opening].rstrip(" \t\xa0")
        return (not before or before[-1] in "\n.!?…:") and self._ends_sentence(closing)

    def _ends_sentence(self, closing: int) -> bool:
        return SENTENCE_AFTER.match(self.text, closing + 1) is not None

    def _speech_verb(self, start: int, stop: int, reach: int = VERB_REACH) -> tuple[Mode, tuple[int, int]] | None:
        """The kind and span of a speech verb among the first `reach` words of start..stop."""
        for word in words_in(self.text, start, stop)[:reach]:
            kind = self.finder.speech_kind(word.text)
            if kind is not None:
                return kind, (word.start, word.stop)
        return None

    # Speakers.

    def _speaker(self, attribution: Attribution, opening: int) -> tuple[str | None, str | None]:
        if attribution.mode == IMPERSONAL:
            return None, None
        person = self._person(attribution)
        if person is not None:
            return person.mention.normal, self.entity_of.get(person.mention.start)
        role = self._role(attribution)
        if role:
            if role[0].text.lower() in FIRST_AND_SECOND_PERSON:
                return None, None
            phrase = " ".join(self.text[role[0].start : role[-1].stop].split())
            return phrase, self._role_entity(role, opening)
        if attribution.mode != CITING:
            for item in self.others:
                if attribution.start <= item.mention.start and item.mention.stop <= attribution.stop:
                    return item.mention.normal, None
        return None, None

    def _person(self, attribution: Attribution) -> NamedMention | None:
        """The person the attribution names as the speaker, not as an addressee or a place."""
        found = self._person_in(attribution.start, attribution.stop, attribution)
        if found is None and attribution.appositive is not None:
            start, stop = attribution.appositive
            if all(self.finder.first_reading(word.text) != "VERB" for word in words_in(self.text, start, stop)):
                found = self._person_in(start, stop, attribution)
        return found

    def _person_in(self, start: int, stop: int, attribution: Attribution) -> NamedMention | None:
        for item in self.people:
            mention = item.mention
            if not (start <= mention.start and mention.stop <= stop):
                continue
            if attribution.verb and mention.start < attribution.verb[1] and attribution.verb[0] < mention.stop:
                continue
            before = words_in(self.text, start, mention.start)
            if before and self.finder.first_reading(before[-1].text) == "ADP":
                continue
            if attribution.mode != SAYING or self._nominative(item):
                return item
        return None

    def _nominative(self, item: NamedMention) -> bool:
        """The mention as written is its normal form, and its last word can be a subject."""
        mention = item.mention
        words = WORD.findall(mention.text)
        if fold(mention.text) != fold(mention.normal) or not words:
            return False
        cases = self.finder.cases(words[-1])
        return not cases or not cases <= OBLIQUE_CASES

    def _role(self, attribution: Attribution) -> list[Word]:
        """The noun phrase that names the speaker: "американский лидер", "министр иностранных дел РФ"."""
        words = [
            word
            for word in words_in(self.text, attribution.start, attribution.stop)
            if (word.start, word.stop) != attribution.verb
        ]
        if attribution.mode == NAMED:
            return words
        citing = attribution.mode == CITING
        cases = ("gent", "accs") if citing else ("nomn",)
        head = self._role_head(words, cases, citing)
        if head is None:
            return []
        first = last = head
        while first > 0 and self._joined(words[first - 1], words[first]):
            if not self.finder.may_be(words[first - 1].text, ("ADJ",), cases):
                break
            first -= 1
        if words[head].text[0].islower() and self.finder.may_be(words[head].text, ("NOUN",), cases):
            while last + 1 < len(words) and self._joined(words[last], words[last + 1]):
                following = words[last + 1]
                if self.finder.first_reading(following.text) == "ADP" or (citing and self._in_name(following)):
                    break
                if not self.finder.may_be(following.text, ("NOUN", "ADJ"), ("gent",)):
                    break
                last += 1
        return words[first : last + 1]

    def _role_head(self, words: Sequence[Word], cases: Sequence[str], citing: bool) -> int | None:
        """The first noun that can be the speaker, past prepositional phrases and named sources."""
        position = 0
        while position < len(words):
            word = words[position].text
            if self.finder.first_reading(word) == "ADP":
                position += 2
                continue
            if not (self._in_name(words[position]) or (len(word) > 1 and word.isupper())):
                if citing:
                    if word[0].islower() and self.finder.may_be(word, ("NOUN",), cases):
                        return position
                elif self.finder.may_be(word, ("NOUN", "PRON"), cases) or self._capitalised_name(word):
                    return position
            position += 1
        return None

    def _capitalised_name(self, word: str) -> bool:
        """A first name or surname the dictionary knows, in whatever case: "— рассказал Идрисов"."""
        return word[0].isupper() and self.finder.is_name(word)

    def _in_name(self, word: Word) -> bool:
        return any(item.mention.start <= word.start and word.stop <= item.mention.stop for item in self.others)

    def _joined(self, left: Word, right: Word) -> bool:
        """Only spaces between two words: no punctuation, nothing left out."""
        return not self.text[left.stop : right.start].strip()

    def _role_entity(self, role: Sequence[Word], before: int) -> str | None:
        """The one person introduced before `before` with exactly this role ("министр … РФ Сергей Лавров")."""
        if len(role) < 2:
            return None
        wanted = [self.finder.lemmas(word.text) for word in role]
        found = set()
        for item in self.people:
            mention = item.mention
            if mention.start >= before or item.short or not self._nominative(item):
                continue
            preceding = words_in(self.text, max(0, mention.start - 150), mention.start)[-len(role) :]
            phrase = [*preceding, Word(mention.start, mention.stop, mention.text)]
            if len(preceding) != len(role) or not all(itertools.starmap(self._joined, itertools.pairwise(phrase))):
                continue
            if not self.finder.may_be(preceding[0].text, ("NOUN", "ADJ"), ("nomn",)):
                continue
            if all(self.finder.lemmas(word.text) & lemmas for word, lemmas in zip(preceding, wanted, strict=True)):
                found.add(self.entity_of.get(item.mention.start))
        return found.pop() if len(found) == 1 else None

