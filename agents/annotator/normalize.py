"""Mentions in the nominative case, built on natasha's own inflection.

natasha lowercases an acronym that carries a case ending ("МИДа" -> "мид")
because the word's shape is neither upper nor title case; here the acronym
itself is the nominative. Organisations inflect only their syntactic head and
its adjectives ("Министерства иностранных дел" -> "Министерство иностранных
дел"), as natasha does; people and places inflect every word. Words after
"им."/"имени" keep their case.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from natasha.doc import DocToken
from natasha.norm import inflect_word, select_inflectable
from natasha.shape import recover_shape

ACRONYM_WITH_ENDING = re.compile(r"^([A-ZА-ЯЁ]{2,})([а-яё]{1,3})$")
SPACES = re.compile(r"\s+")
# "Театр имени Вахтангова": the name after "имени" stays in the genitive.
NAMED_AFTER = frozenset({"им", "имени"})


def normalize_tokens(vocab: Any, tokens: Sequence[DocToken], *, head_only: bool) -> str:
    """The nominative of the tokens; `head_only` for organisations (needs syntax)."""
    inflectable = None
    if head_only and all(token.id is not None for token in tokens):
        inflectable = set(select_inflectable(tokens))
    parts = []
    named_after = False
    for position, token in enumerate(tokens):
        if position:
            parts.append(" " if token.start > tokens[position - 1].stop else "")
        named_after = named_after or token.text.lower() in NAMED_AFTER
        parts.append(str(token.text) if named_after else _normal_word(vocab, token, inflectable))
    return "".join(parts)


def _normal_word(vocab: Any, token: DocToken, inflectable: set[str] | None) -> str:
    acronym = ACRONYM_WITH_ENDING.match(token.text)
    if acronym:
        return acronym.group(1)
    if token.pos is None or (inflectable is not None and token.id not in inflectable):
        return str(token.text)
    return str(recover_shape(inflect_word(vocab, token), token.text))


def surface_form(text: str) -> str:
    """The mention as written, on one line: a fallback when there is no morphology."""
    return SPACES.sub(" ", text).strip()
