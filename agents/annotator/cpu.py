"""The annotator's CPU jobs, run in the worker's CPU processes.

It imports the core and nothing of Kafka or Faust, so those processes load only
natasha (its models once per process), and the worker's own process never loads it.
"""

from __future__ import annotations

from agents.annotator.core import Annotation, get_annotator
from agents.annotator.entities import NamedMention


def annotate_text(text: str, title: str | None, max_chars: int) -> Annotation:
    return get_annotator().annotate(text, title=title, max_chars=max_chars)


def name_piece(piece: str, offset: int) -> list[NamedMention]:
    """The named mentions of one piece of a long text (offsets into the text)."""
    return get_annotator().named_mentions_in(piece, offset)


def annotate_named(text: str, title: str | None, max_chars: int, named: list[NamedMention]) -> Annotation:
    """The rest of a long text's annotation, once its pieces' named mentions are found."""
    return get_annotator().annotate(text, title=title, max_chars=max_chars, named=named)
