"""Text-level rules: furniture that survives extraction, removed by its shape.

Every rule takes the blocks of a page and returns the blocks it keeps; the
cleaner records the rule's name when the result differs. The rules describe
kinds of furniture (a related-stories box is a marker line, a headline and a
teaser ending in "..."), so they apply to any page of any site.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from agents.cleaner import furniture as f
from agents.cleaner.blocks import Block, ends_sentence, is_prose, words
from agents.sites.base import SiteRules

BlockRule = Callable[[list[Block]], list[Block]]

_NOTE_TAIL = re.compile(r"[—–-]\s*$")
_NOTE_MIDDLE = re.compile(r"^[—–-]?\s*[\w.\- ]{1,24}\.?$")
_NOTE_CLOSE = re.compile(r"^\s*\)")
_INLINE_LINK_LINE = re.compile(r"^[-–]\s+[«\"A-ZА-ЯЁ0-9]")
_END_CUT_MIN_PROSE = 250
_MAX_RELATED_ITEMS = 12
_MIN_FEED_GROUPS = 3
_LONG_PARAGRAPH = 200
_STAMP = re.compile(
    r"^\d{1,2}\.\d{1,2}\.\d{2,4},?\s+(?:[А-ЯЁA-Z][\w-]+(?:\s[А-ЯЁA-Z][\w-]+)?,?\s+)?\d{1,2}:\d{2}(?::\d{2})?\s+(?=[«\"А-ЯЁA-Z])"
)
_QUANTITY = re.compile(r"^\W{0,2}\d[\d\s.,:%]*\s*[^\W\d_]{3,}\w*$")
_MAX_TEASERS = 2


@dataclass(frozen=True)
class TextRule:
    """A named rule over the blocks of one page."""

    name: str
    apply: BlockRule


def join_editor_notes(blocks: list[Block]) -> list[Block]:
    """Join "(Россия. — " / "RT" / ") могут" back into "(Россия. — RT) могут"."""
    out: list[Block] = []
    index = 0
    while index < len(blocks):
        current = blocks[index]
        while index + 2 < len(blocks) and _is_broken_note(current.text, blocks[index + 1].text, blocks[index + 2].text):
            middle, after = blocks[index + 1].text, blocks[index + 2].text
            joined = current.text.rstrip() + " " + middle.strip() + after.lstrip()
            current = Block(joined, current.link_share, current.heading)
            index += 2
        out.append(current)
        index += 1
    return out


def _is_broken_note(before: str, middle: str, after: str) -> bool:
    middle = middle.strip()
    return (
        "(" in before
        and bool(_NOTE_MIDDLE.match(middle))
        and bool(_NOTE_CLOSE.match(after))
        and (bool(_NOTE_TAIL.search(before)) or middle[:1] in "—–-")
    )


def drop_related_boxes(blocks: list[Block]) -> list[Block]:
    """A "Также по теме" box: the marker, then headlines and teasers ending in "..."."""
    out: list[Block] = []
    index = 0
    while index < len(blocks):
        if not f.RELATED_MARKER.match(blocks[index].text.strip()):
            out.append(blocks[index])
            index += 1
            continue
        index = _skip_related_items(blocks, index + 1)
    return out


def _skip_related_items(blocks: list[Block], index: int) -> int:
    for item in range(_MAX_RELATED_ITEMS):
        if index >= len(blocks):
            return index
        text = blocks[index].text.strip()
        linked = blocks[index].link_share > 0.6 and len(text) <= 300
        if f.is_teaser(text) or linked:
            index += 1
            continue
        next_is_teaser = index + 1 < len(blocks) and f.is_teaser(blocks[index + 1].text.strip())
        if f.is_headline_like(text) and (item == 0 or next_is_teaser):
            index += 2 if next_is_teaser else 1
            continue
        return index
    return index


def drop_inline_related(blocks: list[Block]) -> list[Block]:
    """A lone link to another story, "- Headline", between paragraphs."""
    return [
        block
        for block in blocks
        if not (
            _INLINE_LINK_LINE.match(block.text.strip())
            and f.is_headline_like(block.text.strip()[1:].strip())
            and len(words(block.text)) >= 4
        )
    ]


def drop_captions(blocks: list[Block]) -> list[Block]:
    """Photo credits, the caption line above a credit, and captions with "(Фото: ...)"."""
    drop = [False] * len(blocks)
    for index, block in enumerate(blocks):
        text = block.text.strip()
        credit = f.is_credit(text)
        captioned = len(text) <= 300 and bool(f.CAPTION_WITH_CREDIT.search(text))
        if not (credit or captioned):
            continue
        drop[index] = True
        caption = index - 1 if credit else index
        if credit and caption >= 0 and _is_caption(blocks[caption].text):
            drop[caption] = True
        alt = caption - 1
        if caption >= 0 and alt >= 0 and drop[caption] and _is_alt_text(blocks[alt].text, blocks[caption].text):
            drop[alt] = True
    return [block for block, dropped in zip(blocks, drop, strict=True) if not dropped]


def _is_caption(text: str) -> bool:
    text = text.strip()
    return 0 < len(text) <= 250 and not ends_sentence(text.rstrip('»"”')) and not f.is_credit(text)


def _is_alt_text(candidate: str, caption: str) -> bool:
    """The image's alt text printed above its caption: the same words, or their start."""
    candidate, caption = candidate.strip(), caption.strip()
    return bool(candidate) and len(candidate) <= 250 and caption.startswith(candidate)


def strip_dateline_stamps(blocks: list[Block]) -> list[Block]:
    """A publication stamp glued before the first words: "05.01.2012, Тирасполь 00:16:06 В ..."."""
    out: list[Block] = []
    for block in blocks:
        stripped = _STAMP.sub("", block.text.lstrip(), count=1)
        out.append(block if stripped == block.text.lstrip() else Block(stripped, block.link_share, block.heading))
    return out


def drop_furniture_lines(blocks: list[Block]) -> list[Block]:
    """Lines that are furniture by themselves: credits, tickers, skip links, share labels."""
    return [block for block in blocks if f.is_furniture_line(block.text.strip()) is None]


def cut_at_end_marker(blocks: list[Block]) -> list[Block]:
    """Everything after a furniture heading ("Лента новостей", "Теги") once the article has begun.

    A weaker marker, a word that may also head a section of the article ("Главное", "Хроника"),
    cuts only when less prose follows it than precedes it."""
    prose = [len(block.text.strip()) if is_prose(block) else 0 for block in blocks]
    total, before = sum(prose), 0
    for index, block in enumerate(blocks):
        text = block.text.strip()
        if before >= _END_CUT_MIN_PROSE and len(text) <= 80:
            if f.END_MARKER.match(text):
                return blocks[:index]
            if f.WEAK_END_MARKER.match(text) and total - before <= before:
                return blocks[:index]
        before += prose[index]
    return blocks


def drop_duplicate_lines(blocks: list[Block]) -> list[Block]:
    """A long paragraph printed twice (a page holding its text and a copy of it) is kept once;
    short lines may repeat (the questions of an interview, subheadings of a series)."""
    seen: set[str] = set()
    out: list[Block] = []
    for block in blocks:
        key = block.text.strip().lower()
        if key in seen and len(key) >= _LONG_PARAGRAPH:
            continue
        seen.add(key)
        out.append(block)
    return out


def trim_tail(blocks: list[Block]) -> list[Block]:
    """Short non-prose lines left at the very end are widgets, not the article's last words;
    a line stating a quantity ("165 голосов", "3:1") is data and ends the trimming."""
    end = len(blocks)
    while end > 0:
        block = blocks[end - 1]
        text = block.text.strip()
        if is_prose(block) or (len(text) > 80 and block.link_share < 0.5):
            break
        if block.link_share < 0.5 and _QUANTITY.match(text):
            break
        if ends_sentence(text) and block.link_share < 0.5 and len(words(text)) >= 3:
            break
        end -= 1
    return blocks[:end]


def drop_teaser_feeds(blocks: list[Block]) -> list[Block]:
    """A feed of other stories: three or more linked headlines, each with the same number
    (none, one or two) of teaser lines after it."""
    drop = [False] * len(blocks)
    index = 0
    while index < len(blocks):
        end, groups, _ = _feed_end(blocks, index)
        if groups >= _MIN_FEED_GROUPS:
            drop[index:end] = [True] * (end - index)
            index = end
        else:
            index += 1
    return [block for block, dropped in zip(blocks, drop, strict=True) if not dropped]


def _feed_end(blocks: list[Block], start: int) -> tuple[int, int, int]:
    """Where a feed starting at `start` ends, how many items it has and teasers per item."""
    end, groups, per_group = start, 0, -1
    while end < len(blocks) and _is_feed_headline(blocks[end]):
        teasers = 0
        limit = _MAX_TEASERS if per_group < 0 else per_group
        while teasers < limit and end + 1 + teasers < len(blocks) and _is_feed_teaser(blocks[end + 1 + teasers]):
            teasers += 1
        if per_group < 0:
            per_group = teasers
        elif teasers != per_group:
            break
        end += 1 + teasers
        groups += 1
    return end, groups, per_group


def _is_feed_headline(block: Block) -> bool:
    text = block.text.strip()
    if len(text) > 250 or len(words(text)) < 3 or f.RELATED_INLINE.match(text) or f.is_dateline(text):
        return False
    return block.link_share >= 0.6 or bool(f.FEED_ITEM.search(text))


def _is_feed_teaser(block: Block) -> bool:
    return not block.heading and len(block.text) <= 300 and not _is_feed_headline(block)


def drop_source_teasers(blocks: list[Block]) -> list[Block]:
    """An aggregator's feed: three or more lines in a row, each a teaser headed by its source site."""
    out: list[Block] = []
    run: list[Block] = []
    for block in [*blocks, Block("")]:
        if f.SOURCE_TEASER.match(block.text.strip()):
            run.append(block)
            continue
        if len(run) < _MIN_FEED_GROUPS:
            out.extend(run)
        run = []
        if block.text:
            out.append(block)
    return out


def drop_link_lists(blocks: list[Block]) -> list[Block]:
    """Runs of two or more short lines that are wholly links (menus, lists of headlines)."""
    out: list[Block] = []
    run: list[Block] = []
    for block in [*blocks, Block("")]:
        if block.link_share >= 0.8 and len(block.text) <= 250:
            run.append(block)
            continue
        if len(run) == 1:
            out.extend(run)
        run = []
        if block.text:
            out.append(block)
    return out


EARLY_RULES: Sequence[TextRule] = (TextRule("join-editor-notes", join_editor_notes),)
"""Structure repairs that must run before anything reads whole lines."""

GENERIC_RULES: Sequence[TextRule] = (
    TextRule("cut-at-end-marker", cut_at_end_marker),
    TextRule("related-box", drop_related_boxes),
    TextRule("inline-related-link", drop_inline_related),
    TextRule("caption-credit", drop_captions),
    TextRule("teaser-feed", drop_teaser_feeds),
    TextRule("source-teasers", drop_source_teasers),
    TextRule("furniture-line", drop_furniture_lines),
    TextRule("dateline-stamp", strip_dateline_stamps),
    TextRule("link-list", drop_link_lists),
    TextRule("duplicate-line", drop_duplicate_lines),
    TextRule("trailing-widgets", trim_tail),
)
"""Applied to every page, in this order, after the site's own rules."""


def apply_rules(blocks: list[Block], rules: Sequence[TextRule], fired: list[str], prefix: str) -> list[Block]:
    for rule in rules:
        result = rule.apply(blocks)
        if result != blocks:
            fired.append(f"{prefix}:{rule.name}")
        blocks = result
    return blocks


def site_rules(site: SiteRules) -> tuple[TextRule, ...]:
    """A site's line rules: its furniture lines dropped, the text cut at its end markers."""
    rules: list[TextRule] = []
    if (end := site.end_marker_pattern) is not None:
        rules.append(TextRule("end-marker", lambda blocks: _cut_at(blocks, end)))
    if (drop := site.drop_line_pattern) is not None:
        rules.append(TextRule("drop-line", lambda blocks: _drop_matching(blocks, drop)))
    return tuple(rules)


def _cut_at(blocks: list[Block], marker: re.Pattern[str]) -> list[Block]:
    for index, block in enumerate(blocks):
        if index > 0 and marker.match(block.text.strip()):
            return blocks[:index]
    return blocks


def _drop_matching(blocks: list[Block], pattern: re.Pattern[str]) -> list[Block]:
    return [block for block in blocks if not pattern.match(block.text.strip())]
