"""Named entities of Russian news texts: people, places, organisations.

The public names are loaded on first use, so that importing the package (as the
worker's Faust binding does) does not load natasha in the event loop's process.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from agents.annotator.core import ANNOTATOR_VERSION, Annotation, Annotator, UnannotatableText, get_annotator

__all__ = ["ANNOTATOR_VERSION", "Annotation", "Annotator", "UnannotatableText", "get_annotator"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from agents.annotator import core

        return getattr(core, name)
    raise AttributeError(f"module 'agents.annotator' has no attribute {name!r}")
