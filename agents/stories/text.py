"""Words, stems and shingles: the one normalisation both indexes share."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

WORD = re.compile(r"\w+")
STEM_CHARS = 5


def words(text: str) -> list[str]:
    """Lower-cased runs of letters and digits; ё is written е, as most outlets do."""
    return WORD.findall(text.lower().replace("ё", "е"))


def stems(text: str, length: int = STEM_CHARS) -> list[str]:
    """Word prefixes: a cheap stemmer that is as good as lemmas for matching Russian headlines."""
    return [word[:length] for word in words(text)]


def shingles(text: str, size: int) -> set[str]:
    """Runs of `size` words: a copy shares most of them, a rewrite on the same topic few."""
    tokens = words(text)
    if len(tokens) < size:
        return {" ".join(tokens)} if tokens else set()
    return {" ".join(tokens[i : i + size]) for i in range(len(tokens) - size + 1)}


def site_of(url: str | None) -> str | None:
    """The outlet behind a URL: its host without a leading www."""
    if not url:
        return None
    host = urlsplit(url).hostname
    if not host:
        return None
    return host.removeprefix("www.")
