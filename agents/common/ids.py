"""Canonical URLs and the article ids derived from them: one article is one key everywhere."""

from __future__ import annotations

import hashlib
from urllib.parse import urldefrag

from courlan import normalize_url


def canonical_url(url: str) -> str:
    """Lower-case scheme and host, sorted query without tracking parameters, no fragment."""
    return urldefrag(normalize_url(url.strip()))[0]


def article_id(url: str) -> str:
    return hashlib.sha256(canonical_url(url).encode("utf-8")).hexdigest()[:20]
