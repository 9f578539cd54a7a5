"""Positive-pair F1 on the same-story pairs, beside two baselines.

Scored as corpus/stories/score.py scores: cluster all articles in input order,
a labelled pair is predicted "same" when both articles share a story; with
`strict`, loose paraphrases are dropped and only precise ones are positive.
These are headline paraphrases, not events: a second opinion on the lexical
signals, scored without the sentence encoder (story_events.py scores both).

    python -m vestnik.evaluation.stories [--corpus DIR] [--strict]
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from agents.stories.index import StoryIndex
from agents.stories.model import StoryConfig
from agents.stories.records import assign_record
from agents.stories.text import stems

DEFAULT_CORPUS = (
    Path(os.environ.get("VESTNIK_CORPUS_DIR", Path(__file__).resolve().parents[3] / "shared" / "corpus")) / "stories"
)
BASELINE_LEAD_CHARS = 600


@dataclass(frozen=True)
class Pair:
    a: str
    b: str
    kind: int
    label: int


@dataclass(frozen=True)
class PairScore:
    precision: float
    recall: float
    threshold: float | None = None

    @property
    def f1(self) -> float:
        total = self.precision + self.recall
        return 2 * self.precision * self.recall / total if total else 0.0


@dataclass(frozen=True)
class Report:
    strict: bool
    pairs: int
    stories: PairScore
    all_same: PairScore
    stem_jaccard: PairScore


def load_articles(corpus_dir: Path) -> list[dict[str, Any]]:
    with gzip.open(corpus_dir / "articles.jsonl.gz", "rt", encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]


def load_pairs(corpus_dir: Path, strict: bool) -> list[Pair]:
    """Strict drops class 0 (loose paraphrases), as score.py --strict does."""
    with open(corpus_dir / "pairs.jsonl", encoding="utf-8") as lines:
        rows = [json.loads(line) for line in lines if line.strip()]
    pairs = [Pair(row["a"], row["b"], int(row.get("class", 1)), int(row["label"])) for row in rows]
    return [pair for pair in pairs if not strict or pair.kind != 0]


def score(pairs: Iterable[Pair], same: Callable[[Pair], bool], threshold: float | None = None) -> PairScore:
    true_positive = false_positive = false_negative = 0
    for pair in pairs:
        predicted = same(pair)
        true_positive += predicted and pair.label == 1
        false_positive += predicted and pair.label != 1
        false_negative += not predicted and pair.label == 1
    predicted_positive = true_positive + false_positive
    positive = true_positive + false_negative
    return PairScore(
        true_positive / predicted_positive if predicted_positive else 0.0,
        true_positive / positive if positive else 0.0,
        threshold,
    )


def score_clusters(pairs: Iterable[Pair], cluster: Mapping[str, str]) -> PairScore:
    """An article missing from `cluster` is a story of its own."""
    return score(pairs, lambda pair: pair.a in cluster and cluster.get(pair.a) == cluster.get(pair.b))


def stem_jaccard(articles: Iterable[Mapping[str, Any]]) -> Callable[[Pair], float]:
    """The README's baseline: Jaccard of 5-char stems of the title and the first 600 characters."""
    stem_sets = {
        str(article["id"]): set(stems(f"{article['title']} {article['text'][:BASELINE_LEAD_CHARS]}"))
        for article in articles
    }

    def similarity(pair: Pair) -> float:
        left, right = stem_sets.get(pair.a, set()), stem_sets.get(pair.b, set())
        union = left | right
        return len(left & right) / len(union) if union else 0.0

    return similarity


def best_threshold(pairs: list[Pair], similarity: Callable[[Pair], float], step: float = 0.01) -> PairScore:
    """The threshold, on a `step` grid, that this very set likes best: an optimistic baseline."""
    values = {pair: similarity(pair) for pair in pairs}

    def at(threshold: float) -> PairScore:
        return score(pairs, lambda pair: values[pair] >= threshold, threshold)

    steps = round(1 / step)
    return max((at(round(n * step, 4)) for n in range(steps)), key=lambda result: result.f1)


def cluster_ids(
    articles: Iterable[Mapping[str, Any]],
    config: StoryConfig | None = None,
    vectors: Mapping[str, np.ndarray] | None = None,
) -> dict[str, str]:
    """Each article's story, all through one index in input order; with `vectors`, by article id, the
    articles carry them as the pipeline's do."""
    index = StoryIndex(config)
    rows = (assign_record(index, article, (vectors or {}).get(str(article["id"]))) for article in articles)
    return {row["id"]: row["story_id"] for row in rows}


def evaluate(corpus_dir: Path = DEFAULT_CORPUS, strict: bool = False, config: StoryConfig | None = None) -> Report:
    articles = load_articles(corpus_dir)
    pairs = load_pairs(corpus_dir, strict)
    return Report(
        strict=strict,
        pairs=len(pairs),
        stories=score_clusters(pairs, cluster_ids(articles, config)),
        all_same=score(pairs, lambda pair: True),
        stem_jaccard=best_threshold(pairs, stem_jaccard(articles)),
    )


def report_lines(report: Report) -> Iterator[str]:
    yield f"{'strict' if report.strict else 'loose'}: {report.pairs} pairs"
    rows = (("stories", report.stories), ("all same", report.all_same), ("stem jaccard", report.stem_jaccard))
    for name, result in rows:
        at = f" at {result.threshold:.2f}" if result.threshold is not None else ""
        yield f"  {name:<13} F1={result.f1:.4f} P={result.precision:.4f} R={result.recall:.4f}{at}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS, help="articles.jsonl.gz and pairs.jsonl")
    parser.add_argument("--strict", action="store_true", help="precise paraphrases against non-paraphrases only")
    args = parser.parse_args(argv)
    for line in report_lines(evaluate(args.corpus, args.strict)):
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
