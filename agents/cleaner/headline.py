"""The headline belongs in `title`, not in the body.

From HTML the title is known (site rule, `<h1>`, Open Graph); its copy at
the top of the extracted text is removed. From plain text the title is the
last headline-shaped line above the first paragraph, and the short lines
around it there (rubric, source link, counters) are page furniture.
"""

from __future__ import annotations

import re

from agents.cleaner.blocks import Block, is_prose, words

_HEAD_LINES = 6
_EXTRA_TITLE_CHARS = 40
_WORD = re.compile(r"\w+")


def _key(text: str) -> str:
    return " ".join(_WORD.findall(text.lower()))


def drop_title_copies(blocks: list[Block], title: str | None) -> list[Block]:
    """Remove the headline (or a line holding just it) from the top of the text."""
    if not title:
        return blocks
    title_key = _key(title)
    if not title_key:
        return blocks
    out: list[Block] = []
    for index, block in enumerate(blocks):
        key = _key(block.text)
        if index < _HEAD_LINES and key and _is_title_copy(key, title_key):
            continue
        out.append(block)
    return out


def _is_title_copy(key: str, title_key: str) -> bool:
    """The headline itself, a shortened one, or one with a few words added (site name, rubric)."""
    if key == title_key or (len(key) >= 20 and key in title_key):
        return True
    return len(title_key) >= 20 and key.startswith(title_key) and len(key) - len(title_key) <= _EXTRA_TITLE_CHARS


def title_from_text(blocks: list[Block]) -> tuple[str | None, list[Block]]:
    """Split a plain-text page into its headline and the rest, dropping head furniture."""
    first_prose = next((i for i, block in enumerate(blocks) if is_prose(block)), None)
    if not first_prose:
        return None, blocks
    head = blocks[:first_prose]
    title_at = None
    for index in range(len(head) - 1, -1, -1):
        text = head[index].text.strip()
        if len(words(text)) >= 4 and len(text) <= 250 and not text.endswith((".", ":")):
            title_at = index
            break
    if title_at is None:
        return None, blocks
    kept = [block for block in head[title_at + 1 :] if len(words(block.text)) > 3]
    return head[title_at].text.strip(), kept + blocks[first_prose:]
