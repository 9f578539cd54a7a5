"""The annotator's version, light to import: the worker's event loop process stamps it without loading natasha."""

ANNOTATOR_VERSION = "1.1.1"
"""Bumped whenever the entities change, so consumers can tell which annotation an article got."""
