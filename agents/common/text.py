"""Visible text: format characters (Unicode category Cf) taken out of what vestnik publishes.

Pages carry characters that print nothing: a zero width space opening a headline, a byte order
mark, left-to-right and right-to-left marks and embeddings, word joiners, soft hyphens inside
words. They break equality, sorting, deduplication and search on titles, names and text, so the
cleaner and the annotator remove them. What a script needs to be written correctly stays:

- ZWNJ and ZWJ (U+200C, U+200D) between two characters of scripts that use them to choose letter
  forms (Persian, Arabic, the Indic scripts) or to join an emoji sequence (👩‍💻). Beside a Latin,
  Greek or Cyrillic letter, a space or punctuation they change nothing and go.
- The tag characters (U+E0020-U+E007F) after a black flag (U+1F3F4): they spell the flags of
  Scotland, Wales and England.
- The prepended concatenation marks (the Arabic number signs U+0600-U+0605 and U+06DD, Syriac
  U+070F, U+0890-U+0891, U+08E2, Kaithi U+110BD and U+110CD): they are printed, as a sign that
  spans the number after it.

A soft hyphen (U+00AD) only marks where a word may break: without it the word is whole again.
"""

from __future__ import annotations

import re
import sys
import unicodedata
from functools import cache

_JOINERS = "\u200c\u200d"
_PREPENDED_MARKS = frozenset("\u0600\u0601\u0602\u0603\u0604\u0605\u06dd\u070f\u0890\u0891\u08e2\U000110bd\U000110cd")
_BLACK_FLAG = "\U0001f3f4"
_TAGS = (0xE0020, 0xE007F)
_JOINER_NEIGHBOUR_CATEGORIES = frozenset({"Lo", "Mn", "Mc", "So", "Sk"})
"""Letters of scripts without case, their combining marks, and symbols (emoji): what ZWNJ/ZWJ join.

Latin, Greek and Cyrillic letters are cased (Lu, Ll) and take no joiner."""


@cache
def _format_characters() -> str:
    """Every character of category Cf in this Python's Unicode database, as a regex class body."""
    found = [chr(code) for code in range(sys.maxunicode + 1) if unicodedata.category(chr(code)) == "Cf"]
    return "".join(re.escape(char) for char in found)


@cache
def _pattern() -> re.Pattern[str]:
    return re.compile(f"[{_format_characters()}]")


def visible_text(text: str) -> str:
    """`text` without the format characters no script needs (see the module's docstring)."""
    if text.isascii():
        return text
    return _pattern().sub(lambda found: _kept(found.string, found.start()), text)


def _kept(text: str, at: int) -> str:
    char = text[at]
    if char in _PREPENDED_MARKS:
        return char
    if char in _JOINERS:
        return char if _joins(text, at) else ""
    if _TAGS[0] <= ord(char) <= _TAGS[1]:
        return char if _in_flag(text, at) else ""
    return ""


def _joins(text: str, at: int) -> bool:
    if at == 0 or at + 1 >= len(text):
        return False
    before, after = text[at - 1], text[at + 1]
    return (
        unicodedata.category(before) in _JOINER_NEIGHBOUR_CATEGORIES
        and unicodedata.category(after) in _JOINER_NEIGHBOUR_CATEGORIES
    )


def _in_flag(text: str, at: int) -> bool:
    """Whether the tag character at `at` continues a run of tags that a black flag opens."""
    start = at
    while start > 0 and _TAGS[0] <= ord(text[start - 1]) <= _TAGS[1]:
        start -= 1
    return start > 0 and text[start - 1] == _BLACK_FLAG
