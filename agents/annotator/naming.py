"""From repaired spans to named mentions: nominative form, type check, canonical name."""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import cast

from agents.annotator.aliases import Alias, AliasTable
from agents.annotator.entities import NamedMention
from agents.annotator.nlp import AnalysedTokens, NatashaModels
from agents.annotator.normalize import normalize_tokens, surface_form
from agents.annotator.spans import TokenIndex, TokenRun
from agents.common.text import visible_text
from schemas.models import EntityType, Mention

# The model mixes these two up for the same name; the alias table settles it.
SWAPPABLE_TYPES = frozenset({"ORG", "LOC"})
NAME_CACHE_SIZE = 20_000


class MentionNamer:
    """Turns token runs into mentions with a normal form and a canonical name candidate."""

    def __init__(self, models: NatashaModels, aliases: AliasTable) -> None:
        self.models = models
        self.aliases = aliases
        # The same names recur in every article; the name grammar is the slow part.
        self._name_parts = lru_cache(maxsize=NAME_CACHE_SIZE)(self._parse_name)

    def name_all(
        self, original: str, index: TokenIndex, runs: Sequence[TokenRun], analysed: AnalysedTokens
    ) -> list[NamedMention]:
        """Named mentions of `runs` in order; acronyms of common nouns are dropped."""
        named = []
        for position, run in enumerate(runs):
            following = runs[position + 1] if position + 1 < len(runs) else None
            item = self._name(original, index, run, following, analysed)
            if item is not None:
                named.append(item)
        return named

    def _name(
        self,
        original: str,
        index: TokenIndex,
        run: TokenRun,
        following: TokenRun | None,
        analysed: AnalysedTokens,
    ) -> NamedMention | None:
        span = index.span_of(run)
        text = original[span.start : span.stop]
        tokens = analysed.of(run.first, run.last)
        if tokens:
            normal = normalize_tokens(self.models.morph_vocab, tokens, head_only=run.type == "ORG")
        else:
            normal = surface_form(text)
        normal = visible_text(normal)  # the names an entity is known by carry no invisible characters
        if self.aliases.is_not_entity(normal) or self.aliases.is_not_entity(text):
            return None
        alias = self.aliases.lookup(normal) or self.aliases.lookup(text)
        kind = run.type
        if alias is not None and alias.type != kind and {alias.type, kind} <= SWAPPABLE_TYPES:
            kind = alias.type
        mention = Mention(type=cast(EntityType, kind), start=span.start, stop=span.stop, text=text, normal=normal)
        if kind == "PER":
            return self._person(mention, alias.name if alias is not None and alias.type == kind else None)
        if alias is not None and alias.type == kind:
            return NamedMention(mention, alias.name)
        if kind == "ORG":
            return self._organisation(mention, original, index, run, following, analysed)
        return NamedMention(mention, normal)

    def _person(self, mention: Mention, known_as: str | None) -> NamedMention:
        """Full names drop the patronymic; a surname or an initial+surname is short.

        `known_as` is the alias table's full name for a short mention, used only
        when the article itself names no fuller person it could mean.
        """
        normal = mention.normal
        words = normal.split()
        first, middle, last = self._name_parts(normal)
        if last and (first is None or len(first) == 1):
            return NamedMention(mention, last, short=True, known_as=known_as or self._known_person(last))
        if len(words) == 1:
            return NamedMention(mention, normal, short=True, known_as=known_as)
        name = f"{first} {last}" if first and last and middle else normal
        suffixes = tuple(" ".join(name.split()[cut:]) for cut in range(1, len(name.split())))
        return NamedMention(mention, name, short_forms=(*suffixes, *([last] if last else [])))

    def _known_person(self, surname: str) -> str | None:
        alias = self.aliases.lookup(surname)
        return alias.name if alias is not None and alias.type == "PER" else None

    def _parse_name(self, normal: str) -> tuple[str | None, str | None, str | None]:
        """First name, patronymic and surname, when the name grammar reads all of `normal`."""
        match = self.models.names_extractor.find(normal)
        if match is None or (match.start, match.stop) != (0, len(normal)):
            return None, None, None
        fact = match.fact
        return getattr(fact, "first", None), getattr(fact, "middle", None), getattr(fact, "last", None)

    def _organisation(
        self,
        mention: Mention,
        original: str,
        index: TokenIndex,
        run: TokenRun,
        following: TokenRun | None,
        analysed: AnalysedTokens,
    ) -> NamedMention:
        """Name an organisation by its country when one follows it: "МИД" + "России"."""
        country = self._genitive_place(original, index, run, following, analysed)
        if country is None:
            return NamedMention(mention, mention.normal, short=True)
        qualified = f"{mention.normal} {country}"
        alias: Alias | None = self.aliases.lookup(qualified)
        return NamedMention(mention, alias.name if alias else qualified, short_forms=(mention.normal,))

    @staticmethod
    def _genitive_place(
        original: str, index: TokenIndex, run: TokenRun, following: TokenRun | None, analysed: AnalysedTokens
    ) -> str | None:
        if following is None or following.type != "LOC" or following.first != run.last:
            return None
        if index.gap_before(following.first).strip(" ") != "":
            return None
        head = analysed.of(following.first, following.first + 1)
        if not head or (head[0].feats or {}).get("Case") != "Gen":
            return None
        span = index.span_of(following)
        return surface_form(original[span.start : span.stop])
