"""The cleaner: raw news pages in, clean articles out. No Kafka here: `streams/bindings/cleaner.py` binds it.

The public names are loaded on first use: a worker's own process imports the
cleaner's errors and version only, and so never loads the extraction stack
(trafilatura, lxml), which runs in its CPU processes.
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
