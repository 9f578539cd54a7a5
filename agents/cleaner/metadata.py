"""Title, date, authors and tags read from the page's markup, before pruning.

Site rules come first (they know where the publisher puts each field), then
the conventions most pages follow: Open Graph and article meta tags,
schema.org JSON-LD, `<time datetime>`, `<h1>` and `<title>`.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime

from lxml import etree
from lxml import html as lxml_html

from agents.cleaner.dates import parse_datetime
from agents.cleaner.htmlprep import all_texts, first_text
from agents.sites.base import SiteRules

_TITLE_SPLIT = re.compile(r"\s+[|—–-]\s+|\s+[/:]{2}\s+")
_URLISH = re.compile(r"^(?:https?://|www\.)", re.IGNORECASE)
_WORD = re.compile(r"\w+")
_NAME_LIST = re.compile(r"\s*(?:,|;|\bи\b)\s*")

_OG_TITLE = etree.XPath("//meta[@property='og:title' or @name='og:title']/@content")
_SITE_NAME = etree.XPath("//meta[@property='og:site_name' or @name='application-name']/@content")
_OWN_ADDRESS = etree.XPath("//link[@rel='canonical']/@href | //meta[@property='og:url']/@content")
_H1 = etree.XPath("//h1")
_DOC_TITLE = etree.XPath("//title")
_DATE_META = etree.XPath(
    "//meta[@property='article:published_time' or @name='article:published_time' "
    "or @property='og:published_time' or @name='pubdate' or @name='publishdate' or @name='date' "
    "or @name='DC.date.issued' or @name='dc.date' or @itemprop='datePublished' or @name='mediator_published_time'"
    "]/@content | //*[@itemprop='datePublished']/@datetime | //time[@datetime][1]/@datetime"
)
_LD_JSON = etree.XPath("//script[@type='application/ld+json']/text()")
_AUTHOR_META = etree.XPath(
    "//meta[@name='author' or @property='article:author' or @name='mediator_author']/@content"
    " | //*[@itemprop='author']//*[@itemprop='name'] | //a[@rel='author']"
)
_TAG_META = etree.XPath("//meta[@property='article:tag' or @name='news_keywords']/@content")
_KEYWORDS = etree.XPath("//meta[@name='keywords']/@content")
_LANG = etree.XPath("/html/@lang")
_LD_DATE = re.compile(r'"datePublished"\s*:\s*"([^"]{8,40})"')


@dataclass
class PageMeta:
    title: str | None = None
    lead: str | None = None
    published_at: datetime | None = None
    authors: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    language: str | None = None


def read_metadata(root: lxml_html.HtmlElement, rules: SiteRules) -> PageMeta:
    return PageMeta(
        title=_title(root, rules),
        published_at=_published(root, rules),
        authors=_authors(root, rules),
        tags=_tags(root, rules),
        language=_language(root),
    )


def _title(root: lxml_html.HtmlElement, rules: SiteRules) -> str | None:
    own = first_text(root, rules.title_xpaths)
    if own:
        return own
    document_title = " ".join(text for el in _DOC_TITLE(root)[:1] if (text := el.text_content()))
    og = next((" ".join(str(value).split()) for value in _OG_TITLE(root)), "")
    reference = _words(document_title) | _words(og)
    for h1 in _H1(root)[:3]:
        text = " ".join(h1.text_content().split())
        shared = _words(text) & reference
        if text and (not reference or (len(_words(text)) >= 2 and len(shared) >= min(3, len(_words(text))))):
            return text
    # A page with no headline of its own often titles itself with the site's name: that is no headline.
    site_names = {_key(str(name)) for name in _SITE_NAME(root)}
    for candidate in (og, document_title):
        cleaned = _strip_site_name(" ".join(candidate.split()))
        if cleaned and _key(cleaned) not in site_names:
            return cleaned
    return None


def own_address(root: lxml_html.HtmlElement) -> str | None:
    """The address the page gives itself (`<link rel=canonical>`, `og:url`), if any."""
    return next((str(value).strip() for value in _OWN_ADDRESS(root) if str(value).strip()), None)


def _key(text: str) -> str:
    return " ".join(_WORD.findall(text.lower()))


def _words(text: str) -> set[str]:
    return {word.lower() for word in _WORD.findall(text)}


def _strip_site_name(title: str) -> str:
    """Drop the site's name from a document title ("Headline | Site", "Site - Headline").
    A part that starts in lower case continues the headline ("погиб, 21 - получил травмы")."""
    parts = [part.strip() for part in _TITLE_SPLIT.split(title) if part.strip()]
    if not parts:
        return ""
    if any(part[0].islower() for part in parts[1:]):
        return title.strip()
    return max(parts, key=len)


def _published(root: lxml_html.HtmlElement, rules: SiteRules) -> datetime | None:
    candidates = [*all_texts(root, rules.published_xpaths), *(str(value) for value in _DATE_META(root))]
    for script in _LD_JSON(root):
        candidates.extend(_LD_DATE.findall(str(script)))
    for candidate in candidates:
        moment = parse_datetime(candidate)
        if moment is not None:
            return moment
    return None


def _authors(root: lxml_html.HtmlElement, rules: SiteRules) -> list[str]:
    """One name per hit of the site's author XPath; meta and JSON-LD strings may list several."""
    names = all_texts(root, rules.author_xpaths)
    if not names:
        listed = [str(v) if isinstance(v, str) else v.text_content() for v in _AUTHOR_META(root)]
        listed.extend(_ld_authors(root))
        names = [part for name in listed for part in _NAME_LIST.split(" ".join(name.split()))]
    out: list[str] = []
    for name in names:
        if name and not _URLISH.match(name) and len(name) <= 80 and name not in out:
            out.append(name)
    return out


def _ld_authors(root: lxml_html.HtmlElement) -> list[str]:
    names: list[str] = []
    for script in _LD_JSON(root):
        try:
            data = json.loads(str(script))
        except ValueError:
            continue
        for item in data if isinstance(data, list) else [data]:
            author = item.get("author") if isinstance(item, dict) else None
            for person in author if isinstance(author, list) else [author]:
                if isinstance(person, dict) and isinstance(person.get("name"), str):
                    names.append(person["name"])
                elif isinstance(person, str):
                    names.append(person)
    return names


def _tags(root: lxml_html.HtmlElement, rules: SiteRules) -> list[str]:
    found = all_texts(root, rules.tag_xpaths)
    if found:
        return found
    values = [str(v) for v in _TAG_META(root)] or [str(v) for v in _KEYWORDS(root)[:1]]
    tags: list[str] = []
    for value in values:
        for tag in value.split(","):
            tag = " ".join(tag.split())
            if tag and tag not in tags and len(tag) <= 60:
                tags.append(tag)
    return tags[:30]


def _language(root: lxml_html.HtmlElement) -> str | None:
    for value in _LANG(root):
        code = str(value).strip().lower()[:2]
        if code.isalpha():
            return code
    return None
