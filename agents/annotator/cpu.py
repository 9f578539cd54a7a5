"""The annotator's CPU jobs, run in the worker's CPU processes.

The binding passes these functions to the CPU pool by reference. This module is
light to import: natasha (its models once per process) loads inside the jobs, so in
the CPU processes only, never in the worker's own process.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from agents.annotator.core import Annotation, Annotator
    from agents.annotator.entities import NamedMention


def _annotator() -> Annotator:
    """The process's annotator, its models loaded on the first job."""
    from agents.annotator.core import get_annotator

    return get_annotator()


def annotate_text(text: str, title: str | None, max_chars: int) -> Annotation:
    return _annotator().annotate(text, title=title, max_chars=max_chars)


def name_piece(piece: str, offset: int) -> list[NamedMention]:
    """The named mentions of one piece of a long text (offsets into the text)."""
    return _annotator().named_mentions_in(piece, offset)


def annotate_named(text: str, title: str | None, max_chars: int, named: list[NamedMention]) -> Annotation:
    """The rest of a long text's annotation, once its pieces' named mentions are found."""
    return _annotator().annotate(text, title=title, max_chars=max_chars, named=named)
