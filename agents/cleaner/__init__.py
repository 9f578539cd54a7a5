"""The cleaner: raw news pages in, clean articles out (no Kafka here, see `agent.py`).

The public names are loaded on first use, so that the site modules (which
build on the cleaner's text blocks and rules) and the cleaner's core (which
looks sites up in the registry) can import each other's parts in any order.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from agents.cleaner.core import CLEANER_VERSION, Article, NotAnArticle, Page, clean, decode_html

__all__ = ["CLEANER_VERSION", "Article", "NotAnArticle", "Page", "clean", "decode_html"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from agents.cleaner import core

        return getattr(core, name)
    raise AttributeError(f"module 'agents.cleaner' has no attribute {name!r}")
