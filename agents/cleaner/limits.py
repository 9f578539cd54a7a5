"""Bounds on the work one page may cost, checked before any parser sees it.

A cleaner that consumes a stream must not stall on one hostile or broken
page: oversized documents, deep nesting bombs and binary junk are refused
with a reason instead of being handed to lxml and trafilatura.
"""

from __future__ import annotations

import re

from agents.cleaner.errors import NotAnArticle, UnreadablePage
from agents.cleaner.tags import tag_set

MAX_HTML_BYTES = 6_000_000
"""Raw page size accepted at all (real article pages stay far below)."""
MAX_MARKUP_CHARS = 1_500_000
"""Markup left once scripts, styles and comments are set aside."""
MAX_ELEMENTS = 40_000
"""Opening tags; an article page has a few thousand, extraction time grows with them."""
MAX_NESTING = 180
"""Open container elements at one point; libxml2 itself gives up at 256."""
MAX_TEXT_CHARS = 1_000_000
"""Plain-text pages above this are not single articles."""
MAX_CONTROL_SHARE = 0.02

_INERT = re.compile(r"<script\b.*?</script\s*>|<style\b.*?</style\s*>|<!--.*?-->", re.IGNORECASE | re.DOTALL)
_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9]{0,15})")
_NOT_NESTING = tag_set(
    "area base br col embed hr img input link meta param source track wbr basefont frame keygen p li dt dd "
    "td th tr tbody thead tfoot colgroup option optgroup rp rt html head body font nobr"
)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f\ufffd]")


def check_raw_size(size: int) -> None:
    if size > MAX_HTML_BYTES:
        raise UnreadablePage(f"over-size page: {size} bytes (limit {MAX_HTML_BYTES})")


def check_markup(html: str) -> None:
    """Refuse markup that is too large or nested too deep to parse in bounded time."""
    if len(html) > MAX_HTML_BYTES:
        raise UnreadablePage(f"over-size page: {len(html)} characters (limit {MAX_HTML_BYTES})")
    check_not_garbage(html)
    markup = _INERT.sub(" ", html)
    if len(markup) > MAX_MARKUP_CHARS:
        raise UnreadablePage(f"over-size markup: {len(markup)} characters (limit {MAX_MARKUP_CHARS})")
    depth, elements = scan_tags(markup)
    if depth > MAX_NESTING:
        raise UnreadablePage(f"nesting too deep: {depth} open elements (limit {MAX_NESTING})")
    if elements > MAX_ELEMENTS:
        raise UnreadablePage(f"too many elements: over {MAX_ELEMENTS}")


def scan_tags(markup: str) -> tuple[int, int]:
    """Deepest run of open container tags (elements with optional end tags are not counted)
    and the number of opening tags; stops as soon as either is over its limit."""
    depth = deepest = elements = 0
    for match in _TAG.finditer(markup):
        closing = bool(match.group(1))
        if not closing:
            elements += 1
            if elements > MAX_ELEMENTS:
                break
        if match.group(2).lower() in _NOT_NESTING:
            continue
        if closing:
            depth = depth - 1 if depth else 0
        else:
            depth += 1
            if depth > deepest:
                deepest = depth
                if deepest > MAX_NESTING:
                    break
    return deepest, elements


def check_not_garbage(text: str) -> None:
    """Binary junk or a wrongly decoded page shows as control and replacement characters."""
    sample = text[:200_000]
    if not sample.strip():
        raise NotAnArticle("empty page")
    bad = len(_CONTROL.findall(sample))
    if bad > max(20, len(sample) * MAX_CONTROL_SHARE):
        raise UnreadablePage(f"garbage bytes: {bad} control or undecodable characters")
