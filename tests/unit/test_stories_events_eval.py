"""Folds of whole connected components, and thresholds chosen on the folds a pair is not in."""

from __future__ import annotations

import pytest

from vestnik.evaluation.stories import Pair
from vestnik.evaluation.story_events import components, cross_validated, make_folds


def pair(a: str, b: str, label: int) -> Pair:
    return Pair(a, b, 1, label)


CHAINED = [
    pair("a", "b", 1), pair("b", "c", 1), pair("c", "d", 0),  # one component through b and c
    pair("e", "f", 0), pair("f", "g", 1),
    *(pair(f"x{i}", f"y{i}", i % 2) for i in range(12)),
]


def test_connected_pairs_make_one_component() -> None:
    found = sorted(sorted((p.a, p.b) for p in group) for group in components(CHAINED))
    assert [("a", "b"), ("b", "c"), ("c", "d")] in found
    assert [("e", "f"), ("f", "g")] in found
    assert len(found) == 14


@pytest.mark.parametrize("seed", range(5))
def test_folds_never_split_a_component_and_keep_every_pair(seed: int) -> None:
    folds = make_folds(CHAINED, folds=4, seed=seed)
    assert sorted((p.a, p.b) for fold in folds for p in fold) == sorted((p.a, p.b) for p in CHAINED)
    articles = [{name for p in fold for name in (p.a, p.b)} for fold in folds]
    for i, left in enumerate(articles):
        for right in articles[i + 1 :]:
            assert not left & right, "an article sits in two folds"


def test_folds_are_balanced_by_label_and_fixed_by_the_seed() -> None:
    singles = [pair(f"x{i}", f"y{i}", int(i < 9)) for i in range(20)]
    folds = make_folds(singles, folds=3, seed=7)
    positives = [sum(p.label for p in fold) for fold in folds]
    negatives = [sum(1 - p.label for p in fold) for fold in folds]
    assert max(positives) - min(positives) <= 1 and max(negatives) - min(negatives) <= 1
    assert folds == make_folds(singles, folds=3, seed=7)
    assert folds != make_folds(singles, folds=3, seed=8)


def test_more_folds_than_components_leaves_no_empty_fold() -> None:
    assert len(make_folds(CHAINED[:5], folds=5)) == 2


def test_each_fold_is_scored_at_the_threshold_the_other_folds_chose() -> None:
    """Fold `odd`'s same pair scores 0.5: the three others put the threshold above their different pairs
    (0.6), so it is missed out of fold, though 0.45 would have scored that fold perfectly."""
    values = {("o1", "o2"): 0.5, ("o3", "o4"): 0.4}
    odd = [pair("o1", "o2", 1), pair("o3", "o4", 0)]
    folds = [odd]
    for n in range(3):
        values[(f"s{n}", f"t{n}")] = 0.9
        values[(f"u{n}", f"v{n}")] = 0.6
        folds.append([pair(f"s{n}", f"t{n}", 1), pair(f"u{n}", f"v{n}", 0)])
    row = cross_validated("toy", folds, lambda p: values[(p.a, p.b)])
    odd_fold, *others = row.folds
    assert odd_fold.threshold is not None and 0.6 < odd_fold.threshold <= 0.9
    assert odd_fold.f1 == 0.0
    assert all(fold.f1 == 1.0 for fold in others)
    assert row.overall.precision == 1.0 and row.overall.recall == 0.75
