"""The same-event gate's table: it prints, and its figures agree with the labels and with the set's own scorer."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from agents.stories.evaluate import cluster_ids, load_pairs
from agents.stories.events_eval import agent_similarity, load_articles
from agents.stories.model import StoryConfig
from streams.cli import cli

FIGURES = re.compile(r"F1=(\d\.\d{4}) P=(\d\.\d{4}) R=(\d\.\d{4})")
SPREAD = re.compile(r"(\d\.\d{3}) ± (\d\.\d{3}) \((\d\.\d{3})-(\d\.\d{3})\)")
ROWS = [
    "stories",
    "stories",
    "every pair same",
    "tf-idf title + 600 chars, 6-letter stems",
    "agent similarity, pairwise",
    "agent similarity, pairwise",
]


@pytest.fixture(scope="module")
def table(stories_events_dir: Path) -> list[str]:
    result = CliRunner().invoke(cli, ["eval", "stories", "--events", "--corpus", str(stories_events_dir.parent)])
    assert result.exit_code == 0, result.output
    return result.output.splitlines()


def figures(table: list[str], name: str, threshold: str) -> tuple[str, str, str]:
    """F1, P and R over all pairs of the row called `name` whose threshold column ends in `threshold`."""
    [row] = [line for line in table if line.startswith(f"  {name} ") and line.rstrip().endswith(threshold)]
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
    assert [line[2:44].rstrip() for line in rows] == ROWS
    assert sum(line.rstrip().endswith("cross-validated") for line in rows) == 3
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


def test_the_stories_row_is_what_the_sets_scorer_gives(table: list[str], stories_events_dir: Path,
                                                       tmp_path: Path) -> None:
    clusters = cluster_ids(load_articles(stories_events_dir))
    prediction = tmp_path / "clusters.jsonl"
    prediction.write_text("".join(json.dumps({"id": k, "cluster": v}) + "\n" for k, v in clusters.items()))
    assert figures(table, "stories", "configured") == scored_by_the_set(stories_events_dir, prediction)


def test_the_pairwise_row_is_what_the_sets_scorer_gives_at_the_configured_threshold(
    table: list[str], stories_events_dir: Path, tmp_path: Path
) -> None:
    similarity = agent_similarity(load_articles(stories_events_dir))
    prediction = tmp_path / "scores.jsonl"
    prediction.write_text("".join(
        json.dumps({"a": pair.a, "b": pair.b, "score": similarity(pair)}) + "\n"
        for pair in load_pairs(stories_events_dir, strict=False)
    ))
    threshold = str(StoryConfig().story_threshold)
    assert figures(table, "agent similarity, pairwise", "configured") == scored_by_the_set(
        stories_events_dir, prediction, "--threshold", threshold
    )


def test_the_lexical_baseline_beats_every_pair_same_out_of_fold(table: list[str]) -> None:
    """A threshold chosen on the other folds still separates events better than calling every pair same."""
    baseline = figures(table, "tf-idf title + 600 chars, 6-letter stems", "cross-validated")
    assert float(baseline[0]) > float(figures(table, "every pair same", "-")[0])


def test_the_stories_hold_on_events_out_of_fold(table: list[str]) -> None:
    """The gate: clustered with each fold's threshold chosen on the other folds (0.786 when measured)."""
    [row] = [line for line in table if line.startswith("  stories ") and line.rstrip().endswith("cross-validated")]
    spread = SPREAD.search(row)
    assert spread, row
    assert float(spread.group(1)) >= 0.78
    assert float(figures(table, "stories", "cross-validated")[0]) > float(figures(table, "every pair same", "-")[0])
