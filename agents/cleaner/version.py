"""The cleaner's version, light to import: the worker's event loop process stamps it without loading the extractor."""

CLEANER_VERSION = "1.1.0"
"""Bumped whenever a rule changes, so consumers can tell which cleaning an article got."""
