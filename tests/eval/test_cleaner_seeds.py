"""The five seed pages, cleaned as plain text without a URL, match their gold."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import agents.cleaner.core as core
from agents.cleaner import Page, clean
from agents.cleaner.evaluate import furniture_in, prf

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus"
SEEDS = sorted((CORPUS / "seeds").glob("*.txt"))


def gold_of(seed: Path) -> dict[str, Any]:
    gold: dict[str, Any] = json.loads((CORPUS / "gold" / f"{seed.stem}.json").read_text(encoding="utf-8"))
    return gold


def embed_fields(items: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    return [tuple(item.get(key) for key in ("kind", "author", "handle", "date", "text")) for item in items]


def test_the_corpus_has_the_five_seeds() -> None:
    assert len(SEEDS) == 5


@pytest.mark.parametrize("seed", SEEDS, ids=lambda path: path.stem)
def test_seed_matches_gold(seed: Path) -> None:
    gold = gold_of(seed)
    article = clean(Page(text=seed.read_text(encoding="utf-8")))
    assert prf(article.body, str(gold["body"]))[2] >= 0.98
    assert furniture_in(article.body) == []
    assert article.title == gold["title"]
    assert embed_fields([e.model_dump() for e in article.embeds]) == embed_fields(gold["embeds"])
    assert article.site == gold["site"]


@pytest.mark.parametrize("seed", SEEDS, ids=lambda path: path.stem)
def test_generic_rules_alone_clean_every_seed(seed: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Without the site guess, only the rules that apply to any page run: they must suffice."""
    monkeypatch.setattr(core, "publisher_for_text", lambda text: None)
    gold = gold_of(seed)
    article = clean(Page(text=seed.read_text(encoding="utf-8")))
    assert article.site == "unknown"
    assert prf(article.body, str(gold["body"]))[2] >= 0.98
    assert furniture_in(article.body) == []
    assert len(article.embeds) == len(gold["embeds"])


def test_broken_editor_notes_are_joined_back() -> None:
    article = clean(Page(text=(CORPUS / "seeds" / "000_6c81efa374cecb15.txt").read_text(encoding="utf-8")))
    assert "(Россия. — RT) могут помочь" in article.body
    assert "text:join-editor-notes" in article.rules_fired
    assert "\nRT\n" not in article.body


def test_paragraphs_are_separated_by_one_blank_line() -> None:
    article = clean(Page(text=(CORPUS / "seeds" / "003_9151646f9f591ce6.txt").read_text(encoding="utf-8")))
    paragraphs = article.body.split("\n\n")
    assert len(paragraphs) >= 8
    assert all(p and p == p.strip() and "\n" not in p for p in paragraphs)
