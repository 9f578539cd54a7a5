"""Discovery: article links and their dates from RSS, Atom (gzip'd or not), sitemap indexes and news sitemaps."""

from __future__ import annotations

import calendar
import gzip
import zlib
from dataclasses import dataclass, field
from datetime import UTC, datetime

import feedparser
from lxml import etree

SITEMAP_NS = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
NEWS_NS = "{http://www.google.com/schemas/sitemap-news/0.9}"
MAX_SITEMAP_BYTES = 50 * 1024 * 1024  # the sitemaps.org limit, uncompressed


@dataclass(frozen=True)
class FeedEntry:
    url: str
    title: str | None
    published_at: datetime | None


@dataclass(frozen=True)
class Sitemap:
    """One sitemap document: article entries (urlset) or child sitemaps (sitemapindex)."""

    entries: list[FeedEntry] = field(default_factory=list)
    children: list[tuple[str, datetime | None]] = field(default_factory=list)


class FeedError(ValueError):
    """A feed or sitemap that cannot be parsed."""


def parse_feed(content: bytes, base_url: str) -> list[FeedEntry]:
    """RSS 0.9x/1.0/2.0 or Atom, gzip-compressed or not; Yandex feeds' related-story links are not the item's."""
    content = _without_yandex_related(_inflate(content))
    parsed = feedparser.parse(content, response_headers={"content-location": base_url})
    if not parsed.entries and (parsed.bozo or not parsed.get("version")):
        cause = parsed.get("bozo_exception") or "no RSS or Atom document"
        raise FeedError(f"malformed feed at {base_url}: {cause!r}")
    entries = []
    for item in parsed.entries:
        link = item.get("link")
        if not link:
            continue
        stamp = item.get("published_parsed") or item.get("updated_parsed")
        published = datetime.fromtimestamp(calendar.timegm(stamp), UTC) if stamp else None
        entries.append(FeedEntry(url=link, title=item.get("title"), published_at=published))
    return entries


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
    """A sitemap index or urlset; news sitemaps give titles and publication dates."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, recover=False)
    try:
        root = etree.fromstring(_inflate(content), parser)
    except etree.XMLSyntaxError as exc:
        raise FeedError(f"malformed sitemap at {base_url}: {exc}") from exc
    if root.tag == f"{SITEMAP_NS}sitemapindex":
        children = [
            (loc.strip(), _date(node.findtext(f"{SITEMAP_NS}lastmod")))
            for node in root.iter(f"{SITEMAP_NS}sitemap")
            if (loc := node.findtext(f"{SITEMAP_NS}loc"))
        ]
        return Sitemap(children=children)
    if root.tag != f"{SITEMAP_NS}urlset":
        raise FeedError(f"not a sitemap at {base_url}: root element {root.tag!r}")
    entries = []
    for node in root.iter(f"{SITEMAP_NS}url"):
        loc = node.findtext(f"{SITEMAP_NS}loc")
        if not loc:
            continue
        news = node.find(f"{NEWS_NS}news")
        published = _date(news.findtext(f"{NEWS_NS}publication_date")) if news is not None else None
        title = news.findtext(f"{NEWS_NS}title") if news is not None else None
        entries.append(FeedEntry(loc.strip(), title, published or _date(node.findtext(f"{SITEMAP_NS}lastmod"))))
    return Sitemap(entries=entries)
