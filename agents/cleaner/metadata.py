"""Title, date, authors and tags read from the page's markup, before pruning.

Site rules come first (they know where the publisher puts each field), then
the conventions most pages follow: schema.org JSON-LD, Open Graph and article
meta tags, microdata, `<time datetime>`, `<h1>` and `<title>`. What is read
is visible text only (`visible_text`): a headline that opens with a zero
width space gets none.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from lxml import etree
from lxml import html as lxml_html

from agents.cleaner.dates import Written, read_date
from agents.cleaner.htmlprep import all_texts, first_text
from agents.common.text import visible_text
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
_LD_JSON = etree.XPath("//script[@type='application/ld+json']/text()")
_PUBLISHED_META = etree.XPath(
    "//meta[@property='article:published_time' or @name='article:published_time' or @property='og:published_time'"
    " or @name='publish-date' or @name='pubdate' or @name='publishdate' or @name='mediator_published_time'"
    " or @name='DC.date.issued' or @name='dc.date.issued' or @name='dc.date' or @name='date']/@content"
)
_PUBLISHED_MICRODATA = etree.XPath("//*[@itemprop='datePublished']")
_PUBDATE_TIME = etree.XPath("//time[@pubdate]/@datetime")
_FIRST_TIME = etree.XPath("(//time[@datetime])[1]/@datetime")
_LD_PUBLISHED_KEYS = ("datePublished", "dateCreated")
_LD_PUBLISHED_FALLBACK = re.compile(r'"datePublished"\s*:\s*"([^"]{8,40})"')
_AUTHOR_META = etree.XPath(
    "//meta[@name='author' or @property='article:author' or @name='mediator_author' or @itemprop='author']/@content"
    " | //*[@itemprop='author']//*[@itemprop='name'] | //a[@rel='author']"
)
_AUTHOR_TYPE = etree.XPath("ancestor-or-self::*[@itemprop='author'][1]/@itemtype")
_AUTHOR_LABEL = re.compile(r"^(?:авторы?|автор текста|текст|by)(?:\s*:\s*|\s+)", re.IGNORECASE)
_TAG_META = etree.XPath("//meta[@property='article:tag' or @name='news_keywords']/@content")
_KEYWORDS = etree.XPath("//meta[@name='keywords']/@content")
_LANG = etree.XPath("/html/@lang")


@dataclass
class PageMeta:
    title: str | None = None
    lead: str | None = None
    published_at: datetime | None = None
    published_date: date | None = None
    """The day of publication, when the page gives no time of day with it (`published_at` is then None)."""
    authors: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    language: str | None = None

    @property
    def published_day(self) -> date | None:
        return self.published_at.date() if self.published_at is not None else self.published_date


def read_metadata(root: lxml_html.HtmlElement, rules: SiteRules) -> PageMeta:
    """The page's own fields, in visible characters only (`visible_text`)."""
    title = _title(root, rules)
    published = _published(root, rules)
    return PageMeta(
        title=visible_text(title) if title else None,
        published_at=published.moment() if published else None,
        published_date=published.day if published and published.clock is None else None,
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


def _published(root: lxml_html.HtmlElement, rules: SiteRules) -> Written | None:
    """The publication date and time the page gives, its own markup first.

    Sources, most trusted first: the site's own rules, JSON-LD `datePublished` (`dateCreated`), the
    publication meta tags, microdata `datePublished`, `<time pubdate>`, then the page's first `<time>`.
    Modification times (`dateModified`, `article:modified_time`) are never read: an edit is no publication.
    The first source that gives a date sets the day; a time is taken from the first source that gives
    one on that same day, so a sidebar's `<time>` cannot lend its time to a date-only field.
    """
    found: Written | None = None
    for candidate in _published_candidates(root, rules):
        written = read_date(candidate)
        if written is None or (found is not None and written.day != found.day):
            continue
        if written.clock is not None:
            return written
        found = found or written
    return found


def _published_candidates(root: lxml_html.HtmlElement, rules: SiteRules) -> Iterator[str]:
    yield from all_texts(root, rules.published_xpaths)
    yield from _ld_values(root, _LD_PUBLISHED_KEYS, _LD_PUBLISHED_FALLBACK)
    yield from (str(value) for value in _PUBLISHED_META(root))
    for element in _PUBLISHED_MICRODATA(root):
        yield str(element.get("content") or element.get("datetime") or element.text_content())
    yield from (str(value) for value in _PUBDATE_TIME(root))
    yield from (str(value) for value in _FIRST_TIME(root))


def _ld_values(root: lxml_html.HtmlElement, keys: tuple[str, ...], fallback: re.Pattern[str]) -> Iterator[str]:
    """String values of `keys` anywhere in the page's JSON-LD, key by key; a script that is not
    valid JSON is searched with `fallback`."""
    documents = _ld_documents(root)
    if len(documents) < len(_LD_JSON(root)):
        for script in _LD_JSON(root):
            yield from fallback.findall(str(script))
    for key in keys:
        for document in documents:
            yield from (value for value in _values_of(document, key) if isinstance(value, str))


def _ld_documents(root: lxml_html.HtmlElement) -> list[Any]:
    documents: list[Any] = []
    for script in _LD_JSON(root):
        try:
            documents.append(json.loads(str(script), strict=False))
        except ValueError:
            continue
    return documents


def _values_of(data: Any, key: str) -> Iterator[Any]:
    """Every value of `key` in a JSON document, at any depth (`@graph`, nested objects), in order."""
    if isinstance(data, list):
        for item in data:
            yield from _values_of(item, key)
    elif isinstance(data, dict):
        if key in data:
            yield data[key]
        for name, nested in data.items():
            if name != key and isinstance(nested, dict | list):
                yield from _values_of(nested, key)


def _authors(root: lxml_html.HtmlElement, rules: SiteRules) -> list[str]:
    """The byline where the site's rules know it, else meta tags, microdata and JSON-LD: the people
    they name, or the newsroom or agency (an Organization) when they name no one.

    A hit may carry a label ("Автор: ...") and list several names ("А, Б и В")."""
    listed = all_texts(root, rules.author_xpaths)
    if not listed:
        people: list[str] = []
        organisations: list[str] = []
        for value in _AUTHOR_META(root):
            if isinstance(value, str):
                people.append(str(value))
            else:
                (organisations if _is_organisation(value) else people).append(_content(value))
        for name, organisation in _ld_authors(root):
            (organisations if organisation else people).append(name)
        listed = [name for name in people if name.strip()] or organisations
    out: list[str] = []
    for entry in listed:
        for name in _NAME_LIST.split(_AUTHOR_LABEL.sub("", " ".join(visible_text(entry).split()))):
            if name and not _URLISH.match(name) and len(name) <= 80 and name not in out:
                out.append(name)
    return out


def _content(element: lxml_html.HtmlElement) -> str:
    """An element's value: a `<meta>` holds it in `content`."""
    return str(element.get("content", "")) if element.tag == "meta" else element.text_content()


def _is_organisation(element: lxml_html.HtmlElement) -> bool:
    """Whether a microdata author's name is an organisation's (`itemtype` schema.org/Organization)."""
    return any("Organization" in str(kind) for kind in _AUTHOR_TYPE(element))


def _ld_authors(root: lxml_html.HtmlElement) -> list[tuple[str, bool]]:
    """JSON-LD authors' names, each with whether it names an organisation."""
    names: list[tuple[str, bool]] = []
    for document in _ld_documents(root):
        for author in _values_of(document, "author"):
            for person in author if isinstance(author, list) else [author]:
                if isinstance(person, dict) and isinstance(person.get("name"), str):
                    names.append((person["name"], "Organization" in str(person.get("@type", ""))))
                elif isinstance(person, str):
                    names.append((person, False))
    return names


def _tags(root: lxml_html.HtmlElement, rules: SiteRules) -> list[str]:
    found = [" ".join(visible_text(tag).split()).strip(" ,;") for tag in all_texts(root, rules.tag_xpaths)]
    if any(found):
        return list(dict.fromkeys(tag for tag in found if tag))
    values = [str(v) for v in _TAG_META(root)] or [str(v) for v in _KEYWORDS(root)[:1]]
    tags: list[str] = []
    for value in values:
        for tag in visible_text(value).split(","):
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
