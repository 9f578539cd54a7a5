"""News articles written for the tests (tests/unit/fixtures/articles): known people, quotes, dates and sums."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

FOLDER = Path(__file__).resolve().parent / "unit" / "fixtures" / "articles"


@dataclass(frozen=True)
class Article:
    title: str
    body: str


def written_articles() -> dict[str, Article]:
    """The articles by name (the file's stem), in name order."""
    return {
        path.stem: Article(**json.loads(path.read_text(encoding="utf-8"))) for path in sorted(FOLDER.glob("*.json"))
    }
