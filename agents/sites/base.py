"""What a publisher module declares: its domains and dated versions of its layout.

A publisher changes its markup every few years; each `SiteRules` is one
version, valid until its `valid_until` date (the newest has none). Rules are
data (XPath expressions and line patterns), compiled once on first use.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property

from lxml.etree import XPath


def has_class(name: str) -> str:
    """XPath predicate: the element's class attribute holds the class `name`."""
    return f"contains(concat(' ', normalize-space(@class), ' '), ' {name} ')"


def by_class(*names: str, tag: str = "*") -> str:
    """XPath of elements that carry all the given classes (CSS `tag.a.b`)."""
    return f"//{tag}[" + " and ".join(has_class(name) for name in names) + "]"


def class_prefix(prefix: str, tag: str = "*") -> str:
    """XPath of elements with a class starting with `prefix` (BEM blocks: `news-feed__item`...)."""
    return f"//{tag}[starts-with(@class, '{prefix}') or contains(@class, ' {prefix}')]"


@dataclass(frozen=True)
class SiteRules:
    """One version of a publisher's layout: what to prune, where the text is, what lines to drop."""

    prune: tuple[tuple[str, str], ...] = ()
    """Named XPath of furniture elements removed before extraction (tickers, read-more boxes)."""
    body: tuple[str, ...] = ()
    """XPath of the article text container, tried in order; extraction is confined to the first hit."""
    title: tuple[str, ...] = ()
    lead: tuple[str, ...] = ()
    """XPath of the lead (summary) element; its text opens the body."""
    published: tuple[str, ...] = ()
    """XPath of an attribute or element whose text holds the publication date."""
    authors: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    drop_lines: tuple[str, ...] = ()
    """Patterns of whole lines that are this site's furniture (matched case-insensitively)."""
    end_markers: tuple[str, ...] = ()
    """Patterns of lines after which the rest of the text is furniture."""
    valid_until: date | None = None
    """Last day this layout was served; None for the current layout."""
    label: str = field(default="v1")

    @cached_property
    def prune_xpaths(self) -> tuple[tuple[str, XPath], ...]:
        return tuple((name, XPath(expr)) for name, expr in self.prune)

    @cached_property
    def body_xpaths(self) -> tuple[XPath, ...]:
        return tuple(XPath(expr) for expr in self.body)

    @cached_property
    def title_xpaths(self) -> tuple[XPath, ...]:
        return tuple(XPath(expr) for expr in self.title)

    @cached_property
    def lead_xpaths(self) -> tuple[XPath, ...]:
        return tuple(XPath(expr) for expr in self.lead)

    @cached_property
    def published_xpaths(self) -> tuple[XPath, ...]:
        return tuple(XPath(expr) for expr in self.published)

    @cached_property
    def author_xpaths(self) -> tuple[XPath, ...]:
        return tuple(XPath(expr) for expr in self.authors)

    @cached_property
    def tag_xpaths(self) -> tuple[XPath, ...]:
        return tuple(XPath(expr) for expr in self.tags)

    @cached_property
    def end_marker_pattern(self) -> re.Pattern[str] | None:
        return _any_line(self.end_markers) if self.end_markers else None

    @cached_property
    def drop_line_pattern(self) -> re.Pattern[str] | None:
        return _any_line(self.drop_lines) if self.drop_lines else None


@dataclass(frozen=True)
class Publisher:
    """A publisher, all in one place: the site id it reports, its host names, where the crawler finds
    its articles (feeds, sitemaps, the shape of an article URL) and its dated layout versions."""

    name: str
    site: str
    domains: tuple[str, ...]
    versions: tuple[SiteRules, ...]
    """Oldest first; the last one is the current layout."""
    signatures: tuple[str, ...] = ()
    """Patterns of furniture that identify this site in flattened text without a URL."""
    feeds: tuple[str, ...] = ()
    """RSS/Atom feeds the crawler polls."""
    sitemaps: tuple[str, ...] = ()
    """Sitemaps or sitemap indexes (news sitemaps included) the crawler polls."""
    article_pattern: str = ""
    """Regular expression an article URL matches (searched); listed links that do not are skipped."""
    poll_interval: float | None = None
    """Seconds between polls; None for the configured default."""

    def rules_for(self, published: date | None) -> SiteRules:
        """The layout version in force on the publication date (the newest when unknown)."""
        if published is not None:
            for version in self.versions:
                if version.valid_until is None or published <= version.valid_until:
                    return version
        return self.versions[-1]

    @cached_property
    def signature_pattern(self) -> re.Pattern[str] | None:
        if not self.signatures:
            return None
        return re.compile("|".join(f"(?:{s})" for s in self.signatures), re.IGNORECASE | re.MULTILINE)


def _any_line(patterns: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile(r"^(?:" + "|".join(f"(?:{p})" for p in patterns) + r")$", re.IGNORECASE)
