"""A second opinion on where the article is: the element holding the most prose.

trafilatura sometimes settles on a page footer or a rate table, or prunes the
article because its wrapper's id says "comments". When what it found holds
little prose, the element whose own paragraphs (text outside links) add up to
the most characters (paragraphs count for the element around them, and half
for the one above) is taken instead: the scoring idea of Readability, kept small.
"""

from __future__ import annotations

from collections import defaultdict

from lxml import etree

from agents.cleaner.blocks import Block
from agents.cleaner.domtext import element_blocks
from agents.cleaner.furniture import DISCLAIMER
from agents.cleaner.tags import tag_set

_PARAGRAPH_TAGS = tag_set("p div td th article section main blockquote li dd center pre")
_LINK_TAGS = frozenset(("a",))
_PARAGRAPHS = tag_set("p li dd blockquote pre")
"""Text in these counts for the element around them, as in Readability."""
_BLOCK_CHILDREN = tag_set("div p table ul ol li section article h1 h2 h3 h4 h5 h6 blockquote pre dl form")
"""A container without these children is itself a paragraph (old pages use `<div>` for `<p>`)."""
_MIN_DIRECT_TEXT = 25


def densest_blocks(root: etree._Element) -> list[Block]:
    """Blocks of the element that carries the most article-like text."""
    body = root.find("body")
    if body is None:
        body = root
    scores: dict[etree._Element, float] = defaultdict(float)
    for element in body.iter():
        tag = element.tag if isinstance(element.tag, str) else ""
        if not tag or tag in _LINK_TAGS:
            continue
        direct = (element.text or "") + "".join(child.tail or "" for child in element)
        length = len(direct.strip())
        if length < _MIN_DIRECT_TEXT:
            continue
        container = _container_of(element)
        if container is None:
            continue
        if container.tag in _PARAGRAPHS or not any(child.tag in _BLOCK_CHILDREN for child in container):
            container = container.getparent()
            if container is None:
                continue
        if DISCLAIMER.search(direct):
            continue
        weight = length + 10 * direct.count(",")
        scores[container] += weight
        parent = container.getparent()
        if parent is not None:
            scores[parent] += weight / 2
    if not scores:
        return []
    best = max(scores, key=lambda element: scores[element])
    return element_blocks(best)


def _container_of(element: etree._Element) -> etree._Element | None:
    """The paragraph-level element a piece of text belongs to."""
    current: etree._Element | None = element
    while current is not None:
        tag = current.tag if isinstance(current.tag, str) else ""
        if tag in _PARAGRAPH_TAGS:
            return current
        if tag in ("body", "html"):
            return current
        current = current.getparent()
    return None
