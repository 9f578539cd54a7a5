"""Named entities of Russian news texts: people, places, organisations."""

from agents.annotator.core import ANNOTATOR_VERSION, Annotation, Annotator, UnannotatableText, get_annotator

__all__ = ["ANNOTATOR_VERSION", "Annotation", "Annotator", "UnannotatableText", "get_annotator"]
