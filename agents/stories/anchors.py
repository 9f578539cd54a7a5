"""Names and numbers: what outlets keep when they word one event differently.

Two reports of one event share its people, places, organisations and figures
even when no headline word matches. A name is a capitalised word that does not
open a sentence (so «В» and «По» at a sentence's start are no names), cut to a
stem as the tf-idf vectors are, so «Казань» meets «Казани»; a number is a run of
digits, with its decimal part. The index weighs both by their rarity in the window.
"""

from __future__ import annotations

import re

from agents.stories.text import STEM_CHARS

# A number, or a capitalised word with the sentence end before it, if only spaces, quotes or brackets part them.
CANDIDATE = re.compile(r"(\d+(?:[.,]\d+)?)|([.!?…][^\w.!?…]*)?(?<!\w)([A-ZА-ЯЁ][^\W\d_]*)")
FIRST_WORD = re.compile(r"\w")


def anchors(title: str, text: str) -> list[str]:
    """The distinct names and numbers of the title and body, in order of first use."""
    found: dict[str, None] = {}
    for part in (title, text):
        first = FIRST_WORD.search(part)
        opening = first.start() if first else -1
        for match in CANDIDATE.finditer(part):
            number, sentence_end, word = match.groups()
            if number:
                found[number.replace(",", ".")] = None
            elif not sentence_end and match.start(3) != opening:
                found[word.lower().replace("ё", "е")[:STEM_CHARS]] = None
    return list(found)
