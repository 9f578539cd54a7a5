"""The cleaner's pure core: one page in, one clean article (or a reason why not) out.

HTML pages are decoded, bounded, parsed once, stripped of the site's known
furniture, confined to the site's article container when the site module
knows it (trafilatura finds the text otherwise), then passed through the
text rules. Plain-text pages (one block per line) go straight to the text
rules. Every rule that changed something is named in `rules_fired`.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime

import trafilatura
from lxml import etree
from lxml import html as lxml_html

from agents.cleaner.blocks import Block, blocks_from_text, normalize_space, prose_chars
from agents.cleaner.dates import date_in_url
from agents.cleaner.densest import densest_blocks
from agents.cleaner.domtext import LinkIndex, element_blocks, mark_link_lines
from agents.cleaner.embeds import take_html_embeds, tweets_from_blocks
from agents.cleaner.errors import NotAnArticle, UnreadablePage
from agents.cleaner.gates import check_article
from agents.cleaner.headline import drop_title_copies, title_from_text
from agents.cleaner.htmlprep import first_text, parse_html, prune, prune_generic, unwrap_layout_tables
from agents.cleaner.limits import MAX_TEXT_CHARS, check_markup, check_not_garbage, check_raw_size
from agents.cleaner.metadata import PageMeta, own_address, read_metadata
from agents.cleaner.textrules import EARLY_RULES, GENERIC_RULES, apply_rules, site_rules
from agents.cleaner.version import CLEANER_VERSION
from agents.common.decoding import decode_html
from agents.common.text import visible_text
from agents.sites import GENERIC, Publisher, SiteRules, publisher_for_text, publisher_for_url, site_of
from schemas.models import Embed

__all__ = ["CLEANER_VERSION", "Article", "NotAnArticle", "Page", "clean", "decode_html"]


_MIN_CONTAINER_CHARS = 200
_TRUSTED_PROSE_CHARS = 400
"""Below this much prose, an extraction is checked against the densest element of the page."""
_BETTER_BY = 1.5


@dataclass(frozen=True)
class Page:
    """A page to clean: HTML (bytes as served, or text) or a plain-text rendering."""

    url: str | None = None
    html: bytes | str | None = None
    text: str | None = None
    declared_charset: str | None = None


@dataclass(frozen=True)
class Article:
    """A cleaned article; `body` holds paragraphs separated by one blank line, the lead first where
    the page marks one. `published_date` is the day of publication when the page (or, failing that,
    its address) gives no time of day; `published_at` is then None."""

    url: str | None
    site: str
    title: str | None
    lead: str | None
    body: str
    embeds: list[Embed] = field(default_factory=list)
    published_at: datetime | None = None
    published_date: date | None = None
    authors: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    language: str | None = None
    rules_fired: list[str] = field(default_factory=list)
    encoding: str | None = None


def clean(page: Page, *, site_modules: bool = True) -> Article:
    """Clean one page; raise NotAnArticle with the reason when it is not an article.

    `site_modules=False` cleans an HTML page with the generic rules only, as if its publisher had no
    module: the evaluation uses it to show what a site nobody wrote rules for gets.
    """
    if page.html is not None and len(page.html) > 0:
        try:
            return _clean_html(page, site_modules)
        except (ValueError, etree.LxmlError) as exc:
            raise UnreadablePage(f"unprocessable HTML: {type(exc).__name__}: {exc}") from exc
    if page.text is not None and page.text.strip():
        return _clean_text(page)
    raise NotAnArticle("empty page: no HTML and no text")


def _clean_html(page: Page, site_modules: bool) -> Article:
    assert page.html is not None
    encoding: str | None = None
    if isinstance(page.html, bytes):
        check_raw_size(len(page.html))
        markup, encoding = decode_html(page.html, page.declared_charset)
    else:
        markup = page.html
    check_markup(markup)
    root = parse_html(markup)
    # A page served from elsewhere (a mirror, an archive, a replay) still names its publisher in its markup.
    address = page.url if publisher_for_url(page.url) else own_address(root) or page.url
    publisher = (publisher_for_url(address) if site_modules else None) or GENERIC
    rules = _layout_version(publisher, root, address)
    meta = read_metadata(root, rules)
    if meta.published_day is None:
        meta.published_date = date_in_url(address)
    fired: list[str] = []
    embeds = take_html_embeds(root)
    if embeds:
        fired.append("html:embeds")
    lead = visible_text(first_text(root, rules.lead_xpaths) or "") or None
    prune_generic(root)
    for name, xpath in rules.prune_xpaths:
        if prune(root, xpath):
            fired.append(f"{publisher.name}:prune:{name}")
    blocks = _container_blocks(root, rules)
    if blocks:
        fired.append(f"{publisher.name}:body")
    else:
        if unwrap_layout_tables(root):
            fired.append("html:layout-tables")
        blocks = _extract(root, page.url)
    meta.lead = lead
    cleaned, tweets = _text_stage(_with_lead(blocks, lead), publisher, rules, fired)
    if prose_chars(cleaned) < _TRUSTED_PROSE_CHARS:
        cleaned, tweets = _second_opinion(root, lead, cleaned, tweets, publisher, rules, fired)
    return _article(page, cleaned, [*embeds, *tweets], meta, fired, encoding, site_of(address))


def _second_opinion(
    root: lxml_html.HtmlElement,
    lead: str | None,
    cleaned: list[Block],
    tweets: list[Embed],
    publisher: Publisher,
    rules: SiteRules,
    fired: list[str],
) -> tuple[list[Block], list[Embed]]:
    """When the extraction holds little prose, the element with the most prose is tried instead."""
    alt_fired: list[str] = []
    alternative, alt_tweets = _text_stage(_with_lead(densest_blocks(root), lead), publisher, rules, alt_fired)
    if prose_chars(alternative) <= _BETTER_BY * prose_chars(cleaned):
        return cleaned, tweets
    fired[:] = [rule for rule in fired if rule.startswith(("html:", f"{publisher.name}:prune"))]
    fired.append("html:densest-element")
    fired.extend(alt_fired)
    return alternative, alt_tweets


def _clean_text(page: Page) -> Article:
    assert page.text is not None
    if len(page.text) > MAX_TEXT_CHARS:
        raise UnreadablePage(f"over-size text: {len(page.text)} characters (limit {MAX_TEXT_CHARS})")
    check_not_garbage(page.text)
    publisher = publisher_for_url(page.url) or (None if page.url else publisher_for_text(page.text)) or GENERIC
    site = site_of(page.url) if page.url else (publisher.site if publisher is not GENERIC else "unknown")
    rules = publisher.versions[-1]
    fired: list[str] = []
    cleaned, tweets = _text_stage(blocks_from_text(page.text), publisher, rules, fired)
    return _article(page, cleaned, tweets, PageMeta(published_date=date_in_url(page.url)), fired, None, site)


def _text_stage(
    blocks: list[Block], publisher: Publisher, rules: SiteRules, fired: list[str]
) -> tuple[list[Block], list[Embed]]:
    """The text rules shared by HTML and plain-text pages: site rules, repairs, embeds, generic rules.

    They see the text as it prints: characters that print nothing are gone first (`visible_text`)."""
    blocks = [replace(block, text=visible_text(block.text)) for block in blocks]
    blocks = apply_rules(blocks, site_rules(rules), fired, publisher.name)
    blocks = apply_rules(blocks, EARLY_RULES, fired, "text")
    blocks, tweets = tweets_from_blocks(blocks)
    if tweets:
        fired.append("text:tweet-embeds")
    return apply_rules(blocks, GENERIC_RULES, fired, "text"), tweets


def _article(
    page: Page,
    blocks: list[Block],
    embeds: list[Embed],
    meta: PageMeta,
    fired: list[str],
    encoding: str | None,
    site: str,
) -> Article:
    title = meta.title
    if title is None and page.html is None:
        title, blocks = title_from_text(blocks)
    blocks = drop_title_copies(blocks, title)
    paragraphs = [text for block in blocks if (text := normalize_space(block.text))]
    body = "\n\n".join(paragraphs)
    language = check_article(blocks, body)
    return Article(
        url=page.url,
        site=site,
        title=title,
        lead=meta.lead,
        body=body,
        embeds=[_visible_embed(embed) for embed in embeds],
        published_at=meta.published_at,
        published_date=meta.published_date,
        authors=meta.authors,
        tags=meta.tags,
        language=language,
        rules_fired=fired,
        encoding=encoding,
    )


def _visible_embed(embed: Embed) -> Embed:
    author = visible_text(embed.author) if embed.author else embed.author
    return embed.model_copy(update={"text": visible_text(embed.text), "author": author})


def _layout_version(publisher: Publisher, root: lxml_html.HtmlElement, address: str | None) -> SiteRules:
    """The layout in force when the page was published (by its date, else its address's),
    else the newest whose markers (article container or furniture) the page has."""
    if len(publisher.versions) == 1:
        return publisher.versions[0]
    for version in reversed(publisher.versions):
        published = read_metadata(root, version).published_day
        if published is not None:
            return publisher.rules_for(published)
    if (named := date_in_url(address)) is not None:
        return publisher.rules_for(named)
    for version in reversed(publisher.versions):
        markers = (*version.body_xpaths, *(xpath for _, xpath in version.prune_xpaths))
        if any(xpath(root) for xpath in markers):
            return version
    return publisher.versions[-1]


def _container_blocks(root: lxml_html.HtmlElement, rules: SiteRules) -> list[Block]:
    """Blocks of the site's article container: all hits of the first XPath that finds enough text."""
    for xpath in rules.body_xpaths:
        hits = [hit for hit in xpath(root) if isinstance(hit, etree._Element)]
        outermost = [hit for hit in hits if not any(other in hit.iterancestors() for other in hits)]
        blocks = [block for hit in outermost for block in element_blocks(hit)]
        if sum(len(block.text) for block in blocks) >= _MIN_CONTAINER_CHARS:
            return blocks
    return []


def _extract(root: lxml_html.HtmlElement, url: str | None) -> list[Block]:
    """trafilatura's main text, in its fast mode: when it finds little prose, the densest
    element of the page is the second opinion (see `_second_opinion`). Links are not asked
    for (that changes what it keeps, and costs): lines made of the page's link texts are
    marked from the page's own anchors."""
    links = LinkIndex.of(root)
    document = trafilatura.bare_extraction(
        root,
        url=url,
        favor_precision=True,
        include_comments=False,
        include_links=False,
        include_tables=True,
        with_metadata=False,
        fast=True,
    )
    if document is None or isinstance(document, dict) or document.body is None:
        return []
    return mark_link_lines(element_blocks(document.body), links)


def _with_lead(blocks: list[Block], lead: str | None) -> list[Block]:
    """The lead opens the body unless the first paragraphs already hold it (agencies often
    repeat the lead after the dateline: "МОСКВА, 4 янв - РИА Новости. <lead>")."""
    if not lead:
        return blocks
    key = normalize_space(lead)
    if any(key[:60] in block.text for block in blocks[:3]):
        return blocks
    return [Block(key), *blocks]
