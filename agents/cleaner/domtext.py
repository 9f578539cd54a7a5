"""Blocks from an element tree: one block per paragraph-like element or `<br>` line.

Used for a site's known article container (where the layout is trusted and
no content scoring is needed) and for trafilatura's result tree, whose tags
(`head`, `list`, `item`, `quote`, `row`, `cell`, `lb`, `ref`) map onto the
same roles. The share of each block's text inside links is kept: a line that
is all link is a teaser of another story, not article text.
"""

from __future__ import annotations

import re
from dataclasses import replace

from lxml import etree

from agents.cleaner.blocks import Block, normalize_space
from agents.cleaner.tags import tag_set

_ALNUM = re.compile(r"\w")
_MAX_LINK_LINE = 300

_BLOCK_TAGS = tag_set(
    "p div h1 h2 h3 h4 h5 h6 li ul ol dl dt dd blockquote table tr tbody thead tfoot section article "
    "header footer main pre address center figure details summary head list item quote row"
)
_HEADINGS = tag_set("h1 h2 h3 h4 h5 h6 head")
_LINE_BREAKS = frozenset(("br", "lb"))
_LINKS = frozenset(("a", "ref"))
_CELLS = frozenset(("td", "th", "cell"))
_SKIPPED = tag_set(
    "script style noscript template iframe object embed svg canvas form button select option input "
    "textarea label nav aside figcaption picture video audio map head_ title meta link"
)


class LinkIndex:
    """The texts of the page's links, to tell how much of an extracted line is link text.

    Extraction without link markup is both faster and keeps more text; a line made of
    the page's own link texts (a menu, a list of headlines, "// Site // Rubric // date")
    is recognised afterwards by covering it with those texts, word by word."""

    def __init__(self, texts: frozenset[str]) -> None:
        self._by_first_word: dict[str, list[str]] = {}
        for text in sorted(texts, key=len, reverse=True):
            self._by_first_word.setdefault(text.split(" ", 1)[0], []).append(text)

    @classmethod
    def of(cls, root: etree._Element) -> LinkIndex:
        return cls(
            frozenset(text for anchor in root.iter("a") if len(text := normalize_space(anchor.text_content())) >= 2)
        )

    def coverage(self, line: str) -> float:
        """Share of the line's letters and digits that lie inside link texts of the page."""
        total = len(_ALNUM.findall(line))
        if not total:
            return 0.0
        words = line.split(" ")
        linked, index = 0, 0
        while index < len(words):
            rest = " ".join(words[index:])
            for candidate in self._by_first_word.get(words[index], ()):
                if rest.startswith(candidate) and (len(rest) == len(candidate) or rest[len(candidate)] == " "):
                    linked += len(_ALNUM.findall(candidate))
                    index += candidate.count(" ") + 1
                    break
            else:
                index += 1
        return linked / total


def mark_link_lines(blocks: list[Block], links: LinkIndex) -> list[Block]:
    """Set each short block's link share from the page's link texts."""
    marked: list[Block] = []
    for block in blocks:
        if len(block.text) <= _MAX_LINK_LINE:
            share = links.coverage(block.text)
            if share > block.link_share:
                block = replace(block, link_share=share)
        marked.append(block)
    return marked


class _Collector:
    def __init__(self) -> None:
        self.blocks: list[Block] = []
        self.parts: list[str] = []
        self.linked = 0
        self.heading = False

    def add(self, text: str | None, in_link: bool) -> None:
        if text:
            self.parts.append(text)
            if in_link:
                self.linked += len(text.strip())

    def flush(self) -> None:
        text = normalize_space("".join(self.parts))
        if text:
            share = min(1.0, self.linked / len(text))
            self.blocks.append(Block(text, share, self.heading))
        self.parts, self.linked, self.heading = [], 0, False


def element_blocks(root: etree._Element) -> list[Block]:
    """The text of `root` split into blocks, in document order."""
    collector = _Collector()
    _walk(root, collector, in_link=False)
    collector.flush()
    return collector.blocks


def _walk(element: etree._Element, out: _Collector, in_link: bool) -> None:
    tag = element.tag if isinstance(element.tag, str) else ""
    if not tag:
        out.add(element.tail, in_link)
        return
    tag = tag.lower()
    if tag in _SKIPPED:
        out.add(element.tail, in_link)
        return
    if tag in _LINE_BREAKS:
        out.flush()
        out.add(element.tail, in_link)
        return
    block = tag in _BLOCK_TAGS
    if block:
        out.flush()
        out.heading = tag in _HEADINGS
    elif tag in _CELLS:
        out.add(" ", in_link)
    link = in_link or tag in _LINKS
    out.add(element.text, link)
    for child in element:
        _walk(child, out, link)
    if block:
        out.flush()
    elif tag in _CELLS:
        out.add(" ", in_link)
    out.add(element.tail, in_link)
