"""The site modules on the corpus's real pages of outlets that have one: each cleans close to its gold."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import pytest

from agents.cleaner import Page, clean
from agents.sites import publisher_for_host
from tests.eval.corpus import CORPUS
from vestnik.evaluation.cleaner import prf, tokens


def outlet_pages(pages: Path) -> list[dict[str, Any]]:
    """The corpus's pages of outlets that have a module (RIA, RBC and Interfax, 2011-2012 layouts)."""
    if not (pages / "manifest.jsonl").is_file():
        return []  # the test of the folder below says what is missing
    lines = (pages / "manifest.jsonl").read_text(encoding="utf-8").splitlines()
    entries = [json.loads(line) for line in lines]
    return [page for page in entries if page["has_full_gold"] and publisher_for_host(page["host"]) is not None]


OUTLET_PAGES = outlet_pages(CORPUS / "pages")


def test_the_corpus_has_pages_of_three_outlets(pages_dir: Path) -> None:
    found = outlet_pages(pages_dir)
    assert {publisher_for_host(page["host"]).name for page in found} >= {"ria", "rbc", "interfax"}  # type: ignore[union-attr]


@pytest.mark.parametrize("entry", OUTLET_PAGES, ids=[page["id"] for page in OUTLET_PAGES])
def test_an_outlets_real_page_in_the_corpus_cleans_to_its_gold(pages_dir: Path, entry: dict[str, Any]) -> None:
    publisher = publisher_for_host(entry["host"])
    assert publisher is not None
    gold = json.loads((pages_dir / entry["gold"]).read_text(encoding="utf-8"))
    html = gzip.decompress((pages_dir / entry["file"]).read_bytes())
    article = clean(Page(url=entry["url"] or f"http://{entry['host']}/", html=html))

    assert article.site == publisher.site
    if entry["host"].endswith(publisher.site):
        assert f"{publisher.name}:body" in article.rules_fired, "the outlet's article container not found"
    assert set(tokens(gold["title"])) <= set(tokens(article.title or ""))
    assert prf(article.body, gold["body"])[2] >= 0.85
    without = clean(Page(url=entry["url"] or f"http://{entry['host']}/", html=html), site_modules=False)
    assert without.site == publisher.site and not any(r.startswith(f"{publisher.name}:") for r in without.rules_fired)
