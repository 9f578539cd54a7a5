"""The last check: is what is left an article in Russian?

An index page, a page whose text was all furniture, or a page in another
language is refused with the reason, so the stream can dead-letter it
instead of publishing an empty or foreign "article".
"""

from __future__ import annotations

import re

from agents.cleaner.blocks import Block, is_prose
from agents.cleaner.errors import NotAnArticle

MIN_BODY_CHARS = 120
"""Shorter than a two-sentence news brief: nothing was extracted."""
MIN_PROSE_SHARE = 0.3
"""Below this share of prose characters, the page is a list of links or headlines."""
MIN_LINK_LINES_SHARE = 0.4
"""...and at least this share of its lines are links."""
LIST_PAGE_MIN_BLOCKS = 8

_CYRILLIC = re.compile(r"[а-яёА-ЯЁіїєґІЇЄҐўЎ]")
_LATIN = re.compile(r"[A-Za-z]")
_UKRAINIAN_ONLY = re.compile(r"[іїєґІЇЄҐ]")
_BELARUSIAN_ONLY = re.compile(r"[ўЎ]")
_RUSSIAN_ONLY = re.compile(r"[ыэъЫЭЪ]")


def detect_language(text: str) -> str | None:
    """ru, uk, be or en by alphabet and the letters only one language uses; None if unsure."""
    sample = text[:20_000]
    cyrillic = len(_CYRILLIC.findall(sample))
    latin = len(_LATIN.findall(sample))
    if cyrillic + latin < 20:
        return None
    if cyrillic < latin:
        return "en"
    ukrainian = len(_UKRAINIAN_ONLY.findall(sample))
    russian = len(_RUSSIAN_ONLY.findall(sample))
    if ukrainian > max(5, russian * 2):
        return "uk"
    if len(_BELARUSIAN_ONLY.findall(sample)) > max(5, russian * 2):
        return "be"
    return "ru"


def _reads_as_list(blocks: list[Block], prose: int, length: int) -> bool:
    """Little prose among many lines that are mostly links, or almost no prose at all."""
    if len(blocks) < LIST_PAGE_MIN_BLOCKS:
        return False
    linked = sum(1 for block in blocks if block.link_share >= 0.5)
    if prose < MIN_PROSE_SHARE * length and linked >= MIN_LINK_LINES_SHARE * len(blocks):
        return True
    return prose < MIN_PROSE_SHARE / 3 * length


def check_article(blocks: list[Block], body: str) -> str:
    """Refuse tiny bodies, link lists and non-Russian text; return the language."""
    if len(body) < MIN_BODY_CHARS:
        raise NotAnArticle(f"tiny body: {len(body)} characters of text (minimum {MIN_BODY_CHARS})")
    prose = sum(len(block.text) for block in blocks if is_prose(block))
    if _reads_as_list(blocks, prose, len(body)):
        raise NotAnArticle(f"list or index page: only {prose} of {len(body)} characters read as prose")
    language = detect_language(body)
    if language is not None and language != "ru":
        raise NotAnArticle(f"not Russian: the text reads as '{language}'")
    return language or "ru"
