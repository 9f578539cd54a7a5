"""What the crawler reads from a fetched page itself: its canonical address."""

from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

HEAD_BYTES = 65536


class _CanonicalFinder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.href: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.href is None and tag == "link":
            values = dict(attrs)
            if "canonical" in (values.get("rel") or "").lower().split() and values.get("href"):
                self.href = values["href"]


def canonical_link(content: bytes, base_url: str) -> str | None:
    """The page's `<link rel=canonical>`, if it is http(s) on the same host (www. aside).

    A page may not claim another host's address: that would let one site overwrite another's articles.
    """
    finder = _CanonicalFinder()
    finder.feed(content[:HEAD_BYTES].decode("utf-8", "replace"))
    if not finder.href:
        return None
    try:
        target = urljoin(base_url, finder.href.strip())
        parts = urlsplit(target)
    except ValueError:  # e.g. an unbalanced IPv6 bracket: a broken claim is no claim
        return None
    if parts.scheme not in ("http", "https") or _host(parts.hostname) != _host(urlsplit(base_url).hostname):
        return None
    return target


def _host(hostname: str | None) -> str:
    return (hostname or "").lower().removeprefix("www.")
