"""The annotator's CPU job, run in the worker's CPU processes.

It imports the core and nothing of Kafka or Faust, so those processes load only
natasha (its models once per process), and the worker's own process never loads it.
"""

from __future__ import annotations

from agents.annotator.core import Annotation, get_annotator


def annotate_text(text: str, title: str | None, max_chars: int) -> Annotation:
    return get_annotator().annotate(text, title=title, max_chars=max_chars)
