"""Blocks: the unit the text rules work on (one paragraph, heading or list item)."""

from __future__ import annotations

import re
from dataclasses import dataclass

_SPACES = re.compile(r"\s+")

_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class Block:
    """One line of article text; `link_share` is the share of it inside links and `heading`
    whether it was a heading (both known for HTML pages only)."""

    text: str
    link_share: float = 0.0
    heading: bool = False


def normalize_space(text: str) -> str:
    return _SPACES.sub(" ", text).strip()


def blocks_from_text(text: str) -> list[Block]:
    """A plain-text page: one block per non-empty line, spaces kept as they are inside it."""
    lines = (line.replace("\u00a0", " ").rstrip("\r") for line in text.split("\n"))
    return [Block(line) for line in lines if line.strip()]


def words(text: str) -> list[str]:
    return _WORD.findall(text)


def ends_sentence(text: str) -> bool:
    """Whether a line ends like prose (a full stop, a closing quote, an ellipsis)."""
    stripped = text.rstrip()
    return bool(stripped) and stripped[-1] in '.!?…»"”);'


def is_prose(block: Block) -> bool:
    """A line that reads as article text: long, or a full sentence, and not a link."""
    if block.link_share > 0.5:
        return False
    text = block.text.strip()
    if len(text) >= 160:
        return True
    return len(text) >= 50 and ends_sentence(text) and len(words(text)) >= 7


def prose_chars(blocks: list[Block]) -> int:
    return sum(len(block.text) for block in blocks if is_prose(block))
