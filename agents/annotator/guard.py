"""Checks a text before annotation and makes it safe for the models.

Rejections carry a reason so the agent can dead-letter the article instead of
crashing. Cleaning never changes the length of the text: every offset computed
on the cleaned text is also an offset into the original one.
"""

from __future__ import annotations

import re

DEFAULT_MAX_CHARS = 1_000_000
DEFAULT_MIN_CYRILLIC_SHARE = 0.5
# Letters that Russian does not use but Ukrainian and Belarusian do; a Russian
# article quoting a name has a few, a Ukrainian one has them in most sentences.
DEFAULT_MAX_FOREIGN_CYRILLIC_SHARE = 0.01

# Control characters except tab and line breaks, lone surrogates and the two
# non-characters: the tokenizer and JSON encoders choke on them.
_UNSAFE_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
_CYRILLIC = re.compile("[а-яёА-ЯЁіїєґўІЇЄҐЎ]")
_FOREIGN_CYRILLIC = re.compile("[іїєґўІЇЄҐЎ]")
_LETTER = re.compile(r"[^\W\d_]")


class UnannotatableText(Exception):
    """The text cannot be annotated; `reason` says why in a few words."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def replace_unsafe_chars(text: str) -> str:
    """Replace control characters by spaces, one for one, so offsets survive."""
    return _UNSAFE_CHARS.sub(" ", text)


def prepare_text(
    text: str,
    *,
    max_chars: int = DEFAULT_MAX_CHARS,
    min_cyrillic_share: float = DEFAULT_MIN_CYRILLIC_SHARE,
    max_foreign_cyrillic_share: float = DEFAULT_MAX_FOREIGN_CYRILLIC_SHARE,
) -> str:
    """Return `text` ready for the models, or raise UnannotatableText."""
    if len(text) > max_chars:
        raise UnannotatableText(f"text too long: {len(text)} chars, the cap is {max_chars}")
    safe = replace_unsafe_chars(text)
    if not safe.strip():
        raise UnannotatableText("empty text")
    letters = len(_LETTER.findall(safe))
    if letters == 0:
        raise UnannotatableText("no letters in text")
    cyrillic = len(_CYRILLIC.findall(safe))
    if cyrillic / letters < min_cyrillic_share:
        raise UnannotatableText(
            f"another language: {cyrillic / letters:.0%} of letters are Cyrillic, "
            f"at least {min_cyrillic_share:.0%} needed"
        )
    foreign = len(_FOREIGN_CYRILLIC.findall(safe))
    if foreign / cyrillic > max_foreign_cyrillic_share:
        raise UnannotatableText("another language: Ukrainian or Belarusian letters")
    return safe
