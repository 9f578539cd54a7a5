"""The site registry: one module per publisher, found by listing this package; one table keyed by domain.

`publisher_for_url` finds the module for a page's host (the longest
registered domain that the host ends with), `site_of` names the site an
article reports, and `publisher_for_text` recognises a publisher in a
plain-text page by furniture that only it prints. Hosts without a module
get the generic rules.
"""

from __future__ import annotations

import importlib
import pkgutil
from urllib.parse import urlsplit

from courlan import extract_domain

from agents.sites import generic
from agents.sites.base import Publisher, SiteRules


def _publishers() -> tuple[Publisher, ...]:
    """Every module of this package but the shared ones declares one `PUBLISHER`: adding a module adds it."""
    modules = sorted(info.name for info in pkgutil.iter_modules(__path__) if info.name not in {"base", "generic"})
    return tuple(importlib.import_module(f"{__name__}.{name}").PUBLISHER for name in modules)


PUBLISHERS: tuple[Publisher, ...] = _publishers()
GENERIC: Publisher = generic.PUBLISHER

REGISTRY: dict[str, Publisher] = {domain: publisher for publisher in PUBLISHERS for domain in publisher.domains}
"""Every registered domain (a host suffix) and its publisher."""

_BY_LENGTH = sorted(REGISTRY, key=len, reverse=True)


def host_of(url: str | None) -> str | None:
    if not url:
        return None
    try:
        host = urlsplit(url if "//" in url else "//" + url).hostname
    except ValueError:
        return None
    return host.lower().rstrip(".") if host else None


def publisher_for_host(host: str | None) -> Publisher | None:
    if not host:
        return None
    for domain in _BY_LENGTH:
        if host == domain or host.endswith("." + domain):
            return REGISTRY[domain]
    return None


def publisher_for_url(url: str | None) -> Publisher | None:
    return publisher_for_host(host_of(url))


def site_of(url: str | None) -> str:
    """The site an article from `url` reports: the publisher's id, else the registrable domain."""
    host = host_of(url)
    if host is None:
        return "unknown"
    publisher = publisher_for_host(host)
    if publisher is not None:
        return publisher.site
    return extract_domain(url or "", fast=True) or host.removeprefix("www.")


def publisher_for_text(text: str) -> Publisher | None:
    """A publisher whose own furniture appears in a plain-text page, if exactly one matches."""
    found = [p for p in PUBLISHERS if p.signature_pattern is not None and p.signature_pattern.search(text)]
    return found[0] if len(found) == 1 else None


__all__ = [
    "GENERIC",
    "PUBLISHERS",
    "REGISTRY",
    "Publisher",
    "SiteRules",
    "host_of",
    "publisher_for_host",
    "publisher_for_text",
    "publisher_for_url",
    "site_of",
]
