"""Embedded social posts: taken out of the body and kept as `Embed` records.

In HTML they are `blockquote.twitter-tweet`, `blockquote.instagram-media`
and Telegram widget scripts. In flattened text a tweet is its text followed
by a signature line "— Name (@handle) date"; a hashtag or link inside the
tweet often lands on a line of its own, so the fragments are joined back.
"""

from __future__ import annotations

import re

from lxml import html as lxml_html

from agents.cleaner.blocks import Block, normalize_space
from agents.cleaner.dates import parse_date
from schemas.models import Embed

_SIGNATURE = re.compile(r"^[—–-]\s*(?P<author>[^()\n@]{1,80}?)\s*\((?P<handle>@\w{1,30})\)\s*(?P<date>.{0,40})$")
_TAG_ONLY = re.compile(r"^(?:[#@]\w+|https?://\S+|pic\.twitter\.com/\S+)$")
_CONTINUATION = re.compile(r"^[a-zа-яё.,;:!?)\]…]")
_NO_SPACE_BEFORE = re.compile(r"^[.,;:!?)\]…]")
_MAX_TWEET_LINES = 8


def _iso_date(text: str) -> str | None:
    day = parse_date(text)
    return day.isoformat() if day else None


def tweets_from_blocks(blocks: list[Block]) -> tuple[list[Block], list[Embed]]:
    """Move tweets (text + "— Name (@handle) date" line) out of the blocks."""
    keep: list[Block | None] = list(blocks)
    embeds: list[tuple[int, Embed]] = []
    index = 0
    while index < len(blocks):
        found = _SIGNATURE.match(blocks[index].text.strip())
        if not found:
            index += 1
            continue
        date_text, last = found.group("date").strip(), index
        if not date_text and index + 1 < len(blocks) and _iso_date(blocks[index + 1].text):
            date_text, last = blocks[index + 1].text.strip(), index + 1
        first = _tweet_start(blocks, index)
        if first == index:
            index = last + 1
            continue
        text = join_fragments([blocks[i].text for i in range(first, index)])
        embed = Embed(
            kind="tweet",
            author=normalize_space(found.group("author")) or None,
            handle=found.group("handle"),
            date=_iso_date(date_text),
            text=text,
        )
        embeds.append((first, embed))
        for i in range(first, last + 1):
            keep[i] = None
        index = last + 1
    return [block for block in keep if block is not None], [embed for _, embed in embeds]


def _tweet_start(blocks: list[Block], signature: int) -> int:
    """First line of the tweet that ends just above its signature line."""
    first = signature - 1
    if first < 0 or _SIGNATURE.match(blocks[first].text.strip()):
        return signature
    while first > 0 and signature - first < _MAX_TWEET_LINES:
        current = blocks[first].text.strip()
        previous = blocks[first - 1].text.strip()
        if _SIGNATURE.match(previous):
            break
        if _TAG_ONLY.match(current) or _CONTINUATION.match(current) or _TAG_ONLY.match(previous):
            first -= 1
            continue
        break
    return first


def join_fragments(parts: list[str]) -> str:
    """Join lines broken at inline links: no space before closing punctuation."""
    text = ""
    for part in parts:
        piece = normalize_space(part)
        if not piece:
            continue
        if not text or _NO_SPACE_BEFORE.match(piece):
            text += piece
        else:
            text += " " + piece
    return text


def take_html_embeds(root: lxml_html.HtmlElement) -> list[Embed]:
    """Remove embedded posts from the tree and return them in page order."""
    embeds: list[Embed] = []
    for element in list(root.iter("blockquote", "script", "iframe")):
        embed = _embed_of(element)
        if embed is None:
            continue
        embeds.append(embed)
        _drop(element)
    return embeds


def _classes(element: lxml_html.HtmlElement) -> str:
    return " " + (element.get("class") or "") + " "


def _embed_of(element: lxml_html.HtmlElement) -> Embed | None:
    classes = _classes(element)
    if element.tag == "blockquote" and (" twitter-tweet " in classes or " twitter-video " in classes):
        return _tweet_of(element)
    if element.tag == "blockquote" and " instagram-media " in classes:
        link = element.get("data-instgrm-permalink") or ""
        handle = re.search(r"instagram\.com/([\w.]+)/", link)
        text = normalize_space(element.text_content())
        return Embed(kind="instagram", handle="@" + handle.group(1) if handle else None, text=text)
    post = element.get("data-telegram-post")
    if element.tag == "script" and post:
        channel = post.split("/", 1)[0]
        return Embed(kind="telegram", handle="@" + channel, text="")
    return None


def _tweet_of(quote: lxml_html.HtmlElement) -> Embed:
    paragraphs = quote.findall(".//p")
    text = normalize_space(" ".join(p.text_content() for p in paragraphs))
    signature = normalize_space(quote.text_content())
    if text and signature.startswith(text):
        signature = signature[len(text) :].strip()
    found = _SIGNATURE.match(signature)
    if found is None:
        return Embed(kind="tweet", text=text or signature)
    return Embed(
        kind="tweet",
        author=normalize_space(found.group("author")) or None,
        handle=found.group("handle"),
        date=_iso_date(found.group("date")),
        text=text,
    )


def _drop(element: lxml_html.HtmlElement) -> None:
    parent = element.getparent()
    if parent is not None:
        element.drop_tree()
