"""The site modules on real markup: outlets' pages as served (origins and licences in fixtures/real/NOTICE.md)."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import pytest

from agents.cleaner import Page, clean

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
