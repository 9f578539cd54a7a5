"""Sets of HTML tag names, written as one space-separated string for readability."""

from __future__ import annotations


def tag_set(names: str) -> frozenset[str]:
    return frozenset(names.split())
