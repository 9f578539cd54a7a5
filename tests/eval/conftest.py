"""The corpus folders the quality gates score (see tests/eval/corpus.py for when one is absent)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.eval.corpus import CORPUS, needed


@pytest.fixture(scope="session")
def corpus_dir() -> Path:
    """The corpus root, with its seeds and their gold."""
    needed("seeds")
    needed("gold")
    return CORPUS


@pytest.fixture(scope="session")
def pages_dir() -> Path:
    return needed("pages")


@pytest.fixture(scope="session")
def ner_dir() -> Path:
    return needed("ner")


@pytest.fixture(scope="session")
def stories_dir() -> Path:
    return needed("stories")


@pytest.fixture(scope="session")
def stories_events_dir() -> Path:
    return needed("stories-events")
