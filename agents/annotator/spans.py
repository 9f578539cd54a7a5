"""Spans and tokens as plain values, with the token arithmetic the repairs need."""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple


class Token(NamedTuple):
    start: int
    stop: int
    text: str


@dataclass(frozen=True, order=True)
class Span:
    """A typed character range of the text; repairs keep it on token bounds."""

    start: int
    stop: int
    type: str


@dataclass(frozen=True)
class TokenRun:
    """A span as a half-open range of token indices: easier to cut and glue."""

    first: int
    last: int  # exclusive
    type: str


class TokenIndex:
    """Maps between character spans and token ranges of one text."""

    def __init__(self, text: str, tokens: Sequence[Token]) -> None:
        self.text = text
        self.tokens = list(tokens)
        self._starts = [token.start for token in self.tokens]
        self._stops = [token.stop for token in self.tokens]

    def run_of(self, span: Span) -> TokenRun | None:
        """Token range overlapped by `span`, or None when it covers no token."""
        first = bisect.bisect_right(self._stops, span.start)
        last = bisect.bisect_left(self._starts, span.stop)
        if first >= last:
            return None
        return TokenRun(first, last, span.type)

    def span_of(self, run: TokenRun) -> Span:
        return Span(self.tokens[run.first].start, self.tokens[run.last - 1].stop, run.type)

    def gap_before(self, index: int) -> str:
        """The characters between token `index - 1` and token `index`."""
        if index <= 0:
            return self.text[: self.tokens[0].start] if self.tokens else ""
        return self.text[self.tokens[index - 1].stop : self.tokens[index].start]

    def words(self, run: TokenRun) -> list[str]:
        return [token.text for token in self.tokens[run.first : run.last]]
