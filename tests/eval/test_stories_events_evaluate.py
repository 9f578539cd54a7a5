"""The same-event gate's table: it prints, and its figures agree with the labels and with the set's own scorer."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from agents.stories.encoder import Encoder
from vestnik.cli import cli
from vestnik.evaluation.stories import cluster_ids, load_pairs
from vestnik.evaluation.story_events import agent_similarity, article_vectors, load_articles

FIGURES = re.compile(r"F1=(\d\.\d{4}) P=(\d\.\d{4}) R=(\d\.\d{4})")
SPREAD = re.compile(r"(\d\.\d{3}) ± (\d\.\d{3}) \((\d\.\d{3})-(\d\.\d{3})\)")
ROWS = [
    "stories",
    "stories",
    "e5 cosine, title + 600 chars, pairwise",
    "stories without encoder",
    "stories without encoder",
    "lexical similarity, pairwise",
    "every pair same",
    "tf-idf title + 600 chars, 6-letter stems",
]


NAME_END = 44  # the row names' column


@pytest.fixture(scope="module")
def table(stories_events_dir: Path) -> list[str]:
    result = CliRunner().invoke(cli, ["eval", "stories", "--events", "--corpus", str(stories_events_dir.parent)])
    assert result.exit_code == 0, result.output
    return result.output.splitlines()


def named(line: str, name: str) -> bool:
    return line[2:NAME_END].rstrip() == name


def figures(table: list[str], name: str, threshold: str) -> tuple[str, str, str]:
    """F1, P and R over all pairs of the row called `name` whose threshold column ends in `threshold`."""
    [row] = [line for line in table if named(line, name) and line.rstrip().endswith(threshold)]
    found = FIGURES.search(row)
    assert found, row
    return found.group(1), found.group(2), found.group(3)


def scored_by_the_set(folder: Path, prediction: Path, *options: str) -> tuple[str, str, str]:
    last = subprocess.run(
        [sys.executable, str(folder / "score.py"), str(folder), str(prediction), *options],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()[-1]
    found = re.search(r"F1 pos=(\d\.\d{4}) P=(\d\.\d{4}) R=(\d\.\d{4})", last)
    assert found, last
    return found.group(1), found.group(2), found.group(3)


def test_the_table_prints_every_row_with_its_fold_spread(table: list[str], stories_events_dir: Path) -> None:
    pairs = load_pairs(stories_events_dir, strict=False)
    assert table[0].startswith(f"events: {len(pairs)} pairs ({sum(pair.label for pair in pairs)} same)")
    rows = table[2:-1]
    assert [line[2:NAME_END].rstrip() for line in rows] == ROWS
    assert sum(line.rstrip().endswith("cross-validated") for line in rows) == 5
    for line in rows:
        spread = SPREAD.search(line)
        assert spread, line
        mean, _, low, high = map(float, spread.groups())
        assert low <= mean <= high


def test_every_pair_same_is_what_the_labels_give(table: list[str], stories_events_dir: Path) -> None:
    pairs = load_pairs(stories_events_dir, strict=False)
    positive, total = sum(pair.label for pair in pairs), len(pairs)
    assert figures(table, "every pair same", "-") == (f"{2 * positive / (positive + total):.4f}",
                                                      f"{positive / total:.4f}", "1.0000")


@pytest.mark.parametrize(("row", "encoder"), [("stories", Encoder()), ("stories without encoder", None)])
def test_the_stories_rows_are_what_the_sets_scorer_gives(
    table: list[str], stories_events_dir: Path, tmp_path: Path, row: str, encoder: Encoder | None
) -> None:
    articles = load_articles(stories_events_dir)
    clusters = cluster_ids(articles, vectors=article_vectors(articles, encoder) if encoder else None)
    prediction = tmp_path / "clusters.jsonl"
    prediction.write_text("".join(json.dumps({"id": k, "cluster": v}) + "\n" for k, v in clusters.items()))
    assert figures(table, row, "configured") == scored_by_the_set(stories_events_dir, prediction)


def test_the_pairwise_row_is_what_the_sets_scorer_gives_at_each_folds_threshold(
    table: list[str], stories_events_dir: Path, tmp_path: Path
) -> None:
    """The lexical similarity pair by pair, scored by the set's scorer at the threshold the folds chose."""
    [row] = [line for line in table if named(line, "lexical similarity, pairwise")]
    low, high = re.search(r"(\d\.\d+)-(\d\.\d+), cross-validated", row).groups()  # type: ignore[union-attr]
    assert low == high, "one threshold for every fold: the pooled figure is the scorer's at it"
    similarity = agent_similarity(load_articles(stories_events_dir))
    prediction = tmp_path / "scores.jsonl"
    prediction.write_text("".join(
        json.dumps({"a": pair.a, "b": pair.b, "score": similarity(pair)}) + "\n"
        for pair in load_pairs(stories_events_dir, strict=False)
    ))
    assert figures(table, "lexical similarity, pairwise", "cross-validated") == scored_by_the_set(
        stories_events_dir, prediction, "--threshold", low
    )


def test_the_lexical_baseline_beats_every_pair_same_out_of_fold(table: list[str]) -> None:
    """A threshold chosen on the other folds still separates events better than calling every pair same."""
    baseline = figures(table, "tf-idf title + 600 chars, 6-letter stems", "cross-validated")
    assert float(baseline[0]) > float(figures(table, "every pair same", "-")[0])


@pytest.mark.parametrize(("row", "floor"), [("stories", 0.88), ("stories without encoder", 0.80)])
def test_the_stories_hold_on_events_out_of_fold(table: list[str], row: str, floor: float) -> None:
    """The gate: clustered with each fold's threshold chosen on the other folds (0.882 with the encoder and
    0.812 without when measured)."""
    [line] = [line for line in table if named(line, row) and line.rstrip().endswith("cross-validated")]
    spread = SPREAD.search(line)
    assert spread, line
    assert float(spread.group(1)) >= floor
    assert float(figures(table, row, "cross-validated")[0]) > float(figures(table, "every pair same", "-")[0])
