"""Discovery: article links and their dates from RSS, Atom (gzip'd or not), sitemap indexes and news sitemaps."""

from __future__ import annotations

import calendar
import gzip
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

import feedparser
from lxml import etree

SITEMAP_NS = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
NEWS_NS = "{http://www.google.com/schemas/sitemap-news/0.9}"
MAX_SITEMAP_BYTES = 50 * 1024 * 1024  # the sitemaps.org limit, uncompressed
MAX_FULL_TEXT_CHARS = 500_000  # a longer "full text" is not an article's; it is left out, not cut
# Where feeds carry the whole article, most specific first: Yandex News, Yandex Turbo, RSS content:encoded
# (or Atom <content>), as feedparser names them.
FULL_TEXT_KEYS = ("yandex_full-text", "turbo_content")


@dataclass(frozen=True)
class FeedEntry:
    url: str
    title: str | None
    published_at: datetime | None
    full_text: str | None = None  # the whole article when the feed carries it, HTML or plain text


@dataclass(frozen=True)
class Sitemap:
    """One sitemap document: article entries (urlset) or child sitemaps (sitemapindex)."""

    entries: list[FeedEntry] = field(default_factory=list)
    children: list[tuple[str, datetime | None]] = field(default_factory=list)


class FeedError(ValueError):
    """A feed or sitemap that cannot be parsed."""


def parse_feed(content: bytes, base_url: str) -> list[FeedEntry]:
    """RSS 0.9x/1.0/2.0 or Atom, gzip-compressed or not; Yandex feeds' related-story links are not the item's.

    feedparser is given no base address: it would resolve a guid such as `12345` into a link on the feed's
    own host. Links are resolved here instead, and only an item's own link may be relative.
    """
    content = _without_yandex_related(_inflate(content))
    parsed = feedparser.parse(content)
    if not parsed.entries and (parsed.bozo or not parsed.get("version")):
        cause = parsed.get("bozo_exception") or "no RSS or Atom document"
        raise FeedError(f"malformed feed at {base_url}: {cause!r}")
    entries = []
    for item in parsed.entries:
        link = _own_link(item, base_url)
        if link is None:
            continue
        stamp = item.get("published_parsed") or item.get("updated_parsed")
        published = datetime.fromtimestamp(calendar.timegm(stamp), UTC) if stamp else None
        entries.append(FeedEntry(url=link, title=item.get("title"), published_at=published,
                                 full_text=_full_text(item)))
    return entries


def _full_text(item: Mapping[str, Any]) -> str | None:
    """The article's full text when the feed carries it: `yandex:full-text`, `turbo:content`, `content:encoded`."""
    candidates = [item.get(key) for key in FULL_TEXT_KEYS]
    candidates += [part.get("value") for part in item.get("content") or ()]
    for text in candidates:
        if isinstance(text, str) and text.strip() and len(text) <= MAX_FULL_TEXT_CHARS:
            return text.strip()
    return None


def _own_link(item: Mapping[str, Any], base_url: str) -> str | None:
    """The item's `<link>` (Atom: rel=alternate); a permalink guid or a Yandex `<pdalink>` only in its absence.

    feedparser copies a guid (or an Atom id) into `link` unless isPermaLink="false" and flags it `guidislink`,
    a flag it leaves set when a real `<link>` follows and replaces the copy, so a link equal to the id is
    taken for the guid. That must already be a full http(s) URL (RSS 2.0: a permalink guid is a URL), as
    must a pdalink. An item with none of these, or only a `javascript:` or `mailto:` link, has nothing to fetch.
    """
    link = (item.get("link") or "").strip()
    from_guid = bool(item.get("guidislink")) and link == (item.get("id") or "").strip()
    if link and not from_guid:
        resolved = urljoin(base_url, link)
        if _is_web_url(resolved):
            return resolved
    for fallback in (link if from_guid else "", (item.get("pdalink") or "").strip()):
        if _is_web_url(fallback):
            return fallback
    return None


def _is_web_url(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def _without_yandex_related(content: bytes) -> bytes:
    """Drop `<yandex:related>` blocks: feedparser takes their nested `<link url=…>` for the item's own link.

    (feedparser issue #134.) Only feeds that declare a Yandex namespace are re-serialised; one that
    lxml cannot parse is left to feedparser's tolerant parser as it is.
    """
    if b"yandex" not in content[:4096]:
        return content
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, recover=False)
    try:
        root = etree.fromstring(content, parser)
    except etree.XMLSyntaxError:
        return content
    related = [node for node in root.iter() if isinstance(node.tag, str) and node.tag.endswith("}related")
               and "yandex" in node.tag]
    if not related:
        return content
    for node in related:
        parent = node.getparent()
        if parent is not None:
            parent.remove(node)
    return bytes(etree.tostring(root, xml_declaration=True, encoding="utf-8"))


def _date(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        value = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)


def _inflate(content: bytes) -> bytes:
    if not content.startswith(b"\x1f\x8b"):
        return content
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        data = inflater.decompress(content, MAX_SITEMAP_BYTES)
    except (zlib.error, gzip.BadGzipFile) as exc:
        raise FeedError(f"corrupt gzip feed or sitemap: {exc}") from exc
    if inflater.unconsumed_tail:
        raise FeedError(f"feed or sitemap over {MAX_SITEMAP_BYTES} bytes uncompressed")
    return data


def parse_sitemap(content: bytes, base_url: str) -> Sitemap:
    """A sitemap index or urlset; news sitemaps give titles and publication dates.

    Blank lines before the XML declaration (a common CMS-plugin fault) are dropped, since libxml2 rejects
    them; and the root's own namespace is used, so old Google 0.84 or namespace-less sitemaps still read.
    """
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, recover=False)
    try:
        root = etree.fromstring(_inflate(content).removeprefix(b"\xef\xbb\xbf").lstrip(), parser)
    except etree.XMLSyntaxError as exc:
        raise FeedError(f"malformed sitemap at {base_url}: {exc}") from exc
    tag = etree.QName(root)
    ns = f"{{{tag.namespace}}}" if tag.namespace else ""
    if tag.localname == "sitemapindex":
        children = [
            (loc.strip(), _date(node.findtext(f"{ns}lastmod")))
            for node in root.iter(f"{ns}sitemap")
            if (loc := node.findtext(f"{ns}loc"))
        ]
        return Sitemap(children=children)
    if tag.localname != "urlset":
        raise FeedError(f"not a sitemap at {base_url}: root element {root.tag!r}")
    entries = []
    for node in root.iter(f"{ns}url"):
        loc = node.findtext(f"{ns}loc")
        if not loc:
            continue
        news = node.find(f"{NEWS_NS}news")
        published = _date(news.findtext(f"{NEWS_NS}publication_date")) if news is not None else None
        title = news.findtext(f"{NEWS_NS}title") if news is not None else None
        entries.append(FeedEntry(loc.strip(), title, published or _date(node.findtext(f"{ns}lastmod"))))
    return Sitemap(entries=entries)
