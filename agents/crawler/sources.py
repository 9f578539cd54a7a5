"""News sources: the publishers' own feeds and sitemaps (`agents/sites`), or a TOML file of the user's."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from agents.sites import PUBLISHERS, Publisher


@dataclass(frozen=True)
class Source:
    name: str
    site: str
    feeds: tuple[str, ...] = ()
    sitemaps: tuple[str, ...] = ()
    poll_interval: float = 300.0
    article_pattern: re.Pattern[str] = field(default_factory=lambda: re.compile(""))

    def is_article(self, url: str) -> bool:
        return self.article_pattern.search(url) is not None


class SourcesError(ValueError):
    """The sources file is missing, malformed or describes a source incompletely."""


def load_sources(path: Path | None = None, feed_urls: list[str] | None = None,
                 default_interval: float = 300.0) -> list[Source]:
    """Sources from the file at `path` (default: every publisher's), or ad-hoc sources for `feed_urls` when given."""
    if feed_urls:
        return [
            Source(name=f"feed:{urlsplit(feed).netloc}", site="", feeds=(feed,), poll_interval=default_interval)
            for feed in feed_urls
        ]
    if path is None:
        return [publisher_source(publisher, default_interval) for publisher in PUBLISHERS
                if publisher.feeds or publisher.sitemaps]
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise SourcesError(f"cannot read sources from {path}: {exc}") from exc
    sources = []
    for i, entry in enumerate(data.get("source", [])):
        try:
            sources.append(Source(
                name=entry["name"],
                site=entry["site"],
                feeds=tuple(entry.get("feeds", ())),
                sitemaps=tuple(entry.get("sitemaps", ())),
                poll_interval=float(entry.get("poll_interval", default_interval)),
                article_pattern=re.compile(entry.get("article_pattern", "")),
            ))
        except (KeyError, TypeError, re.error) as exc:
            raise SourcesError(f"{path}: source #{i + 1} is invalid: {exc!r}") from exc
    return sources


def publisher_source(publisher: Publisher, default_interval: float) -> Source:
    return Source(
        name=publisher.name,
        site=publisher.site,
        feeds=publisher.feeds,
        sitemaps=publisher.sitemaps,
        poll_interval=publisher.poll_interval or default_interval,
        article_pattern=re.compile(publisher.article_pattern),
    )
