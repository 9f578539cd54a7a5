"""The site modules on real markup: outlets' pages as served (origins and licences in fixtures/real/NOTICE.md)."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import pytest

from agents.cleaner import Page, clean
from agents.cleaner.evaluate import prf, tokens
from agents.sites import publisher_for_host

FIXTURES = Path(__file__).parent / "fixtures" / "real"
PAGES: list[dict[str, Any]] = json.loads((FIXTURES / "pages.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("expected", PAGES, ids=[page["file"] for page in PAGES])
def test_a_real_page_cleans_to_its_hand_checked_article(expected: dict[str, Any]) -> None:
    html = gzip.decompress((FIXTURES / expected["file"]).read_bytes())
    article = clean(Page(url=expected["url"], html=html))

    assert article.site == expected["site"]
    assert any(rule.endswith(":body") for rule in article.rules_fired), "the site's article container not found"
    assert article.title == expected["title"]
    assert article.published_at is not None and article.published_at.date().isoformat() == expected["published"]
    assert article.authors == expected["authors"]
    assert article.body.startswith(expected["starts_with"])
    assert article.body.endswith(expected["ends_with"])
    for text in expected["must_contain"]:
        assert text in article.body
    for text in expected["must_not_contain"]:
        assert text not in article.body


def test_every_real_page_is_listed_with_its_origin() -> None:
    listed = {page["file"] for page in PAGES}
    assert listed == {path.name for path in FIXTURES.glob("*.html.gz")}
    notice = (FIXTURES / "NOTICE.md").read_text(encoding="utf-8")
    assert all(page["file"] in notice and page["origin"] for page in PAGES)


SHARED_PAGES = Path(__file__).resolve().parents[2].parent / "shared" / "corpus" / "pages"


def _outlet_pages() -> list[dict[str, Any]]:
    """The shared corpus's pages of outlets that have a module (RIA, RBC and Interfax, 2011-2012 layouts)."""
    lines = (SHARED_PAGES / "manifest.jsonl").read_text(encoding="utf-8").splitlines()
    pages = [json.loads(line) for line in lines]
    return [page for page in pages if page["has_full_gold"] and publisher_for_host(page["host"]) is not None]


OUTLET_PAGES = _outlet_pages()


def test_the_shared_corpus_has_pages_of_three_outlets() -> None:
    assert {publisher_for_host(page["host"]).name for page in OUTLET_PAGES} >= {"ria", "rbc", "interfax"}  # type: ignore[union-attr]


@pytest.mark.parametrize("entry", OUTLET_PAGES, ids=[page["id"] for page in OUTLET_PAGES])
def test_an_outlets_real_page_in_the_shared_corpus_cleans_to_its_gold(entry: dict[str, Any]) -> None:
    publisher = publisher_for_host(entry["host"])
    assert publisher is not None
    gold = json.loads((SHARED_PAGES / entry["gold"]).read_text(encoding="utf-8"))
    html = gzip.decompress((SHARED_PAGES / entry["file"]).read_bytes())
    article = clean(Page(url=entry["url"] or f"http://{entry['host']}/", html=html))

    assert article.site == publisher.site
    if entry["host"].endswith(publisher.site):
        assert f"{publisher.name}:body" in article.rules_fired, "the outlet's article container not found"
    assert set(tokens(gold["title"])) <= set(tokens(article.title or ""))
    assert prf(article.body, gold["body"])[2] >= 0.85
    without = clean(Page(url=entry["url"] or f"http://{entry['host']}/", html=html), site_modules=False)
    assert without.site == publisher.site and not any(r.startswith(f"{publisher.name}:") for r in without.rules_fired)
