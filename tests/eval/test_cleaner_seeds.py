"""The five seed pages, cleaned as plain text without a URL, match their gold."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import agents.cleaner.core as core
from agents.cleaner import Page, clean
from vestnik.evaluation.cleaner import furniture_in, prf

SEEDS = ["000_6c81efa374cecb15", "001_7abbddb875c5225b", "002_d6f8cb04dfe64475", "003_9151646f9f591ce6",
         "004_29b765bfc390c015"]  # fmt: skip


def seed_text(corpus: Path, seed: str) -> str:
    return (corpus / "seeds" / f"{seed}.txt").read_text(encoding="utf-8")


def gold_of(corpus: Path, seed: str) -> dict[str, Any]:
    gold: dict[str, Any] = json.loads((corpus / "gold" / f"{seed}.json").read_text(encoding="utf-8"))
    return gold


def embed_fields(items: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    return [tuple(item.get(key) for key in ("kind", "author", "handle", "date", "text")) for item in items]


def test_the_corpus_has_the_five_seeds(corpus_dir: Path) -> None:
    assert sorted(path.stem for path in (corpus_dir / "seeds").glob("*.txt")) == SEEDS


@pytest.mark.parametrize("seed", SEEDS)
def test_seed_matches_gold(corpus_dir: Path, seed: str) -> None:
    gold = gold_of(corpus_dir, seed)
    article = clean(Page(text=seed_text(corpus_dir, seed)))
    assert prf(article.body, str(gold["body"]))[2] >= 0.98
    assert furniture_in(article.body) == []
    assert article.title == gold["title"]
    assert embed_fields([e.model_dump() for e in article.embeds]) == embed_fields(gold["embeds"])
    assert article.site == gold["site"]


@pytest.mark.parametrize("seed", SEEDS)
def test_generic_rules_alone_clean_every_seed(corpus_dir: Path, seed: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Without the site guess, only the rules that apply to any page run: they must suffice."""
    monkeypatch.setattr(core, "publisher_for_text", lambda text: None)
    gold = gold_of(corpus_dir, seed)
    article = clean(Page(text=seed_text(corpus_dir, seed)))
    assert article.site == "unknown"
    assert prf(article.body, str(gold["body"]))[2] >= 0.98
    assert furniture_in(article.body) == []
    assert len(article.embeds) == len(gold["embeds"])


def test_broken_editor_notes_are_joined_back(corpus_dir: Path) -> None:
    article = clean(Page(text=seed_text(corpus_dir, "000_6c81efa374cecb15")))
    assert "(Россия. — RT) могут помочь" in article.body
    assert "text:join-editor-notes" in article.rules_fired
    assert "\nRT\n" not in article.body


def test_paragraphs_are_separated_by_one_blank_line(corpus_dir: Path) -> None:
    article = clean(Page(text=seed_text(corpus_dir, "003_9151646f9f591ce6")))
    paragraphs = article.body.split("\n\n")
    assert len(paragraphs) >= 8
    assert all(p and p == p.strip() and "\n" not in p for p in paragraphs)
