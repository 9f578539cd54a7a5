"""The evaluation gate on the shared corpus: the cleaner must beat plain trafilatura.

Targets: macro F1 at least 0.05 above trafilatura with `favor_precision=True`,
no site below that baseline, every "must not crash" page passing its checks,
and a pinned floor so a regression shows before it reaches the held-out half.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from vestnik.evaluation.cleaner import PagesReport, cleaner_body, score_pages, trafilatura_precision

MACRO_FLOOR = 0.94


@pytest.fixture(scope="module")
def report(pages_dir: Path) -> PagesReport:
    return score_pages(pages_dir.parent, {"cleaner": cleaner_body, "traf_prec": trafilatura_precision})


def test_macro_f1_beats_trafilatura_favor_precision(report: PagesReport) -> None:
    assert report.macro("cleaner") >= report.macro("traf_prec") + 0.05
    assert report.macro("cleaner") >= MACRO_FLOOR


def test_no_site_below_trafilatura_favor_precision(report: PagesReport) -> None:
    ours, baseline = report.per_site("cleaner"), report.per_site("traf_prec")
    below = {
        site: (round(ours[site], 3), round(baseline[site], 3)) for site in ours if ours[site] < baseline[site] - 0.01
    }
    assert not below, f"sites below the baseline (ours, baseline): {below}"


def test_pages_without_gold_pass_their_checks(report: PagesReport) -> None:
    checked = [page for page in report.pages if page.checks]
    assert checked, "the corpus has 'must not crash' pages"
    assert all(page.checks["cleaner"] for page in checked), [p.id for p in checked if not p.checks["cleaner"]]
