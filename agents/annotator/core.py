"""The annotator: named entities of a Russian news text, with no Kafka around it.

`Annotator.annotate` finds people, places and organisations (natasha NER with
span repairs), puts every mention in the nominative, and groups mentions of one
entity under a canonical name with a salience. It also finds direct quotes with
their speakers, dates and amounts of money. Offsets always index the text
given; the title only raises the salience of the entities it names.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from agents.annotator.aliases import AliasTable, default_aliases, fold
from agents.annotator.entities import NamedMention, group_entities
from agents.annotator.facts import FactFinder
from agents.annotator.guard import DEFAULT_MAX_CHARS, UnannotatableText, prepare_text, replace_unsafe_chars
from agents.annotator.naming import MentionNamer
from agents.annotator.nlp import NatashaModels, analyse
from agents.annotator.quotes import QuoteFinder
from agents.annotator.repair import (
    attach_relational_adjectives,
    drop_nameless,
    quoted_organisations,
    repair_spans,
)
from agents.annotator.spans import Span, TokenIndex
from agents.annotator.version import ANNOTATOR_VERSION
from schemas.models import DateMention, Entity, Mention, MoneyMention, Quote

__all__ = ["ANNOTATOR_VERSION", "Annotation", "Annotator", "UnannotatableText", "get_annotator"]


@dataclass(frozen=True)
class Annotation:
    """What the annotator found in one text. New kinds of findings come as new fields."""

    mentions: list[Mention]  # sorted by start; character offsets into the text
    entities: list[Entity]  # one per canonical entity, most salient first
    quotes: list[Quote] = field(default_factory=list)  # sorted by start
    dates: list[DateMention] = field(default_factory=list)  # sorted by start
    money: list[MoneyMention] = field(default_factory=list)  # sorted by start


class Annotator:
    """Holds the models; create once per process (see get_annotator)."""

    def __init__(self, *, max_chars: int = DEFAULT_MAX_CHARS, aliases: AliasTable | None = None) -> None:
        self.max_chars = max_chars
        self.models = NatashaModels()
        self.aliases = aliases or default_aliases()
        self.namer = MentionNamer(self.models, self.aliases)
        self.quote_finder = QuoteFinder(self.models.morph_vocab)
        self.fact_finder = FactFinder(self.models.dates_extractor, self.models.money_extractor)

    def annotate(self, text: str, title: str | None = None, *, max_chars: int | None = None,
                 named: list[NamedMention] | None = None) -> Annotation:
        """Annotate `text`; raise UnannotatableText when it cannot be done.

        `named`: the named mentions of the whole text, found before in pieces (`named_mentions_in`).
        """
        safe = prepare_text(text, max_chars=self.max_chars if max_chars is None else max_chars)
        named = self._named_mentions(text, safe) if named is None else named
        title_mentions, title_words = self._title_clues(title)
        grouping = group_entities(named, len(text), title_mentions, title_words)
        quotes = self.quote_finder.find(text, safe, named, grouping)
        dates, money = self.fact_finder.find(text, safe)
        mentions = [item.mention for item in named]
        return Annotation(mentions=mentions, entities=grouping.entities, quotes=quotes, dates=dates, money=money)

    def named_mentions_in(self, piece: str, offset: int) -> list[NamedMention]:
        """The named mentions of one piece of a long text, with offsets into that text.

        A long text is annotated in pieces (`text_pieces`), one CPU job each, so
        that shorter articles need not wait for the whole of it; the pieces end
        at paragraph breaks, as the NER model's own chunks do.
        """
        named = self._named_mentions(piece, replace_unsafe_chars(piece))
        return [replace(item, mention=item.mention.model_copy(
                    update={"start": item.mention.start + offset, "stop": item.mention.stop + offset}))
                for item in named] if offset else named

    def _title_clues(self, title: str | None) -> tuple[list[NamedMention], frozenset[str]]:
        """Mentions in the title, and its words as lemmas; nothing for an unusable title."""
        if not title:
            return [], frozenset()
        try:
            safe = prepare_text(title, max_chars=self.max_chars)
        except UnannotatableText:
            return [], frozenset()
        words = {fold(token.text) for token in self.models.tokenize(safe)}
        words |= {fold(lemma) for word in list(words) for lemma in self.models.lemmas(word)}
        return self._named_mentions(title, safe), frozenset(words)

    def _named_mentions(self, original: str, safe: str) -> list[NamedMention]:
        index = TokenIndex(safe, self.models.tokenize(safe))
        spans = repair_spans(index, self.models.ner_spans(safe, index.tokens))
        spans = sorted([*spans, *quoted_organisations(index, spans)])
        spans = sorted([*spans, *self._acronym_spans(index, spans)])
        runs = [run for run in (index.run_of(span) for span in spans) if run is not None]
        analysed = analyse(
            self.models,
            index.tokens,
            self.models.sentence_bounds(safe),
            morph_at=[run.first for run in runs],
            syntax_at=[run.first for run in runs if run.type == "ORG"],
        )
        runs = [run for run in runs if not self.aliases.is_not_entity(" ".join(index.words(run)))]
        runs = drop_nameless(index, attach_relational_adjectives(index, runs, analysed), analysed)
        return self.namer.name_all(original, index, runs, analysed)

    def _acronym_spans(self, index: TokenIndex, spans: Sequence[Span]) -> list[Span]:
        """Acronyms from the alias table that the model left out ("страны ЕС")."""
        runs = [run for run in map(index.run_of, spans) if run is not None]
        covered = {position for run in runs for position in range(run.first, run.last)}
        found = []
        for position, token in enumerate(index.tokens):
            alias = self.aliases.acronym(token.text)
            if alias is not None and position not in covered:
                found.append(Span(token.start, token.stop, alias.type))
        return found


_lock = threading.Lock()
_annotator: Annotator | None = None


def get_annotator() -> Annotator:
    """The process's Annotator, created on first use (models load once per worker)."""
    global _annotator
    if _annotator is None:
        with _lock:
            if _annotator is None:
                _annotator = Annotator()
    return _annotator
