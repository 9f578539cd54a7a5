"""Positive-pair F1 on same-event pairs across outlets, beside baselines, with thresholds cross-validated.

Scored as corpus/stories-events/score.py scores: all articles clustered in input order, a labelled pair
is "same" when both articles share a story. The set is small, so a threshold chosen on all of it
flatters: each threshold here is chosen on k - 1 folds and scored on the fold left out. A fold holds
whole connected components of the pair graph, so no article is on both sides of a split.

    python -m vestnik.evaluation.story_events [--corpus DIR]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import statistics
import sys
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from agents.stories.encoder import Encoder, encoder_named
from agents.stories.index import StoryIndex
from agents.stories.model import StoryConfig
from agents.stories.records import ENCODE_BATCH, assign_record, record_vectors
from agents.stories.text import stems
from vestnik.evaluation.stories import (
    BASELINE_LEAD_CHARS,
    DEFAULT_CORPUS,
    Pair,
    PairScore,
    best_threshold,
    cluster_ids,
    load_pairs,
    score,
    score_clusters,
)

EVENTS_CORPUS = DEFAULT_CORPUS.parent / "stories-events"
FOLDS = 5
FOLD_SEED = 0
BASELINE_STEM_CHARS = 6
# The clustered set is scored at every threshold this far either side of the configured one, 0.01 apart.
CLUSTER_THRESHOLD_SPAN = 10

Similarity = Callable[[Pair], float]


@dataclass(frozen=True)
class Row:
    """One method: its score over all pairs (out-of-fold predictions pooled where the threshold is
    cross-validated) and on each fold (with the threshold that fold was scored at, if any)."""

    name: str
    overall: PairScore
    folds: tuple[PairScore, ...]
    threshold: str


@dataclass(frozen=True)
class EventsReport:
    pairs: int
    positives: int
    articles: int
    components: int
    rows: tuple[Row, ...]


def load_articles(corpus_dir: Path) -> list[dict[str, Any]]:
    with open(corpus_dir / "articles.jsonl", encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]


def components(pairs: Iterable[Pair]) -> list[list[Pair]]:
    """The pairs grouped by connected articles, in the order each group's first pair comes."""
    parent: dict[str, str] = {}

    def root(article: str) -> str:
        while parent.setdefault(article, article) != article:
            article = parent[article]
        return article

    pairs = list(pairs)
    for pair in pairs:
        parent[root(pair.a)] = root(pair.b)
    groups: dict[str, list[Pair]] = {}
    for pair in pairs:
        groups.setdefault(root(pair.a), []).append(pair)
    return list(groups.values())


def make_folds(pairs: Iterable[Pair], folds: int = FOLDS, seed: int = FOLD_SEED) -> list[list[Pair]]:
    """Whole components in `folds` folds: shuffled with `seed`, each given to the fold with the fewest
    pairs of its label (a component with any same pair counts as same), then the fewest pairs."""
    groups = components(pairs)
    random.Random(seed).shuffle(groups)
    result: list[list[Pair]] = [[] for _ in range(folds)]
    for group in groups:
        label = int(any(pair.label == 1 for pair in group))
        fold = min(result, key=lambda fold: (sum(pair.label == label for pair in fold), len(fold)))
        fold.extend(group)
    return [fold for fold in result if fold]


def fixed(name: str, folds: list[list[Pair]], scorer: Callable[[list[Pair]], PairScore], threshold: str) -> Row:
    everything = [pair for fold in folds for pair in fold]
    return Row(name, scorer(everything), tuple(scorer(fold) for fold in folds), threshold)


def cross_validated(name: str, folds: list[list[Pair]], similarity: Similarity, step: float = 0.01) -> Row:
    """Each fold scored at the threshold (on a `step` grid) that the other folds like best."""
    return cross_validated_choice(name, folds, lambda pairs: best_threshold(pairs, similarity, step).threshold or 0.0,
                                  lambda threshold, pair: similarity(pair) >= threshold)


def clustered_at_thresholds(
    name: str,
    folds: list[list[Pair]],
    articles: list[dict[str, Any]],
    config: StoryConfig,
    vectors: Mapping[str, np.ndarray] | None = None,
) -> Row:
    """The whole set clustered at each threshold near the configured one (of the sentence vectors, when
    given, else the lexical one); each fold scored at the one whose clusters the other folds like best."""
    step = 0.005 if vectors else 0.01
    configured = round((config.event_threshold if vectors else config.story_threshold) / step)
    steps = range(max(configured - CLUSTER_THRESHOLD_SPAN, 0), configured + CLUSTER_THRESHOLD_SPAN + 1)

    def at(threshold: float) -> StoryConfig:
        if vectors:
            return replace(config, event_threshold=threshold)
        return replace(config, story_threshold=threshold)

    clusters = {round(n * step, 3): cluster_ids(articles, at(round(n * step, 3)), vectors) for n in steps}

    def best(pairs: list[Pair]) -> float:
        return max(clusters, key=lambda threshold: (score_clusters(pairs, clusters[threshold]).f1, -threshold))

    def same(threshold: float, pair: Pair) -> bool:
        return pair.a in clusters[threshold] and clusters[threshold][pair.a] == clusters[threshold].get(pair.b)

    return cross_validated_choice(name, folds, best, same)


def cross_validated_choice(
    name: str, folds: list[list[Pair]], choose: Callable[[list[Pair]], float], same: Callable[[float, Pair], bool]
) -> Row:
    """Each fold scored at the threshold `choose` picks on the other folds."""
    predicted: dict[Pair, bool] = {}
    scores = []
    for held_out, fold in enumerate(folds):
        training = [pair for other, pairs in enumerate(folds) if other != held_out for pair in pairs]
        threshold = choose(training)
        predicted.update((pair, same(threshold, pair)) for pair in fold)
        scores.append(score(fold, predicted.__getitem__, threshold))
    everything = [pair for fold in folds for pair in fold]
    chosen = [fold.threshold or 0.0 for fold in scores]
    spread = f"{min(chosen):g}-{max(chosen):g}, cross-validated"
    return Row(name, score(everything, predicted.__getitem__), tuple(scores), spread)


def tfidf_cosine(articles: Iterable[Mapping[str, Any]]) -> Similarity:
    """The issue's lexical baseline: tf-idf cosine of title + 600 characters over 6-letter stems,
    the document frequencies those of the whole set (smoothed idf, raw counts)."""
    counts = {
        str(article["id"]): Counter(
            stems(f"{article['title']} {article['text'][:BASELINE_LEAD_CHARS]}", BASELINE_STEM_CHARS)
        )
        for article in articles
    }
    frequency = Counter(stem for terms in counts.values() for stem in terms)
    documents = len(counts)
    vectors = {}
    for article_id, terms in counts.items():
        weights = {
            stem: count * (math.log((1 + documents) / (1 + frequency[stem])) + 1) for stem, count in terms.items()
        }
        norm = math.sqrt(sum(weight * weight for weight in weights.values())) or 1.0
        vectors[article_id] = {stem: weight / norm for stem, weight in weights.items()}

    def similarity(pair: Pair) -> float:
        left, right = vectors.get(pair.a, {}), vectors.get(pair.b, {})
        return sum(weight * right.get(stem, 0.0) for stem, weight in left.items())

    return similarity


def article_vectors(articles: list[dict[str, Any]], encoder: Encoder) -> dict[str, np.ndarray]:
    """Each article's sentence vector, by id, through int8 as the pipeline carries it."""
    vectors: dict[str, np.ndarray] = {}
    for start in range(0, len(articles), ENCODE_BATCH):
        batch = articles[start : start + ENCODE_BATCH]
        for article, vector in zip(batch, record_vectors(batch, encoder), strict=True):
            if vector is not None:
                vectors[str(article["id"])] = vector
    return vectors


def agent_similarity(
    articles: Iterable[Mapping[str, Any]],
    config: StoryConfig | None = None,
    vectors: Mapping[str, np.ndarray] | None = None,
) -> Similarity:
    """The story index's similarity of two articles (the vectors' cosine, or else the lexical mix), the
    later scored against the earlier, once the whole set is in the window."""
    index = StoryIndex(config)
    for record in articles:
        assign_record(index, record, (vectors or {}).get(str(record["id"])))

    def similarity(pair: Pair) -> float:
        first, second = index.sequences.get(pair.a), index.sequences.get(pair.b)
        if first is None or second is None:
            return 0.0
        earlier, later = index.members[min(first, second)], index.members[max(first, second)]
        return index.similarity_of(later, earlier)

    return similarity


def evaluate(
    corpus_dir: Path = EVENTS_CORPUS, config: StoryConfig | None = None, encoder: Encoder | None = None
) -> EventsReport:
    """The agent as configured (with the encoder, unless `encoder` is None) and without the encoder,
    clustered and pairwise, beside the baselines."""
    config = config or StoryConfig()
    articles = load_articles(corpus_dir)
    pairs = load_pairs(corpus_dir, strict=False)
    folds = make_folds(pairs)
    rows: list[Row] = []
    if encoder is not None:
        vectors = article_vectors(articles, encoder)
        cluster = cluster_ids(articles, config, vectors)
        configured = f"{config.event_threshold:.3f}, configured"
        rows += [
            fixed("stories", folds, lambda pairs: score_clusters(pairs, cluster), configured),
            clustered_at_thresholds("stories", folds, articles, config, vectors),
            cross_validated(f"e5 cosine, title + {encoder.chars} chars, pairwise", folds,
                            agent_similarity(articles, config, vectors), step=0.005),
        ]
    lexical = cluster_ids(articles, config)
    configured = f"{config.story_threshold:.2f}, configured"
    rows += [
        fixed("stories without encoder", folds, lambda pairs: score_clusters(pairs, lexical), configured),
        clustered_at_thresholds("stories without encoder", folds, articles, config),
        cross_validated("lexical similarity, pairwise", folds, agent_similarity(articles, config)),
        fixed("every pair same", folds, lambda pairs: score(pairs, lambda pair: True), "-"),
        cross_validated("tf-idf title + 600 chars, 6-letter stems", folds, tfidf_cosine(articles)),
    ]
    return EventsReport(len(pairs), sum(pair.label for pair in pairs), len(articles), len(components(pairs)),
                        tuple(rows))


def report_lines(report: EventsReport) -> Iterator[str]:
    yield (
        f"events: {report.pairs} pairs ({report.positives} same), {report.articles} articles; "
        f"{len(report.rows[0].folds)} folds of {report.components} connected components, seed {FOLD_SEED}"
    )
    yield f"  {'':<42} {'all pairs':<33} {'fold F1: mean ± sd (min-max)':<30} threshold"
    for row in report.rows:
        result, f1 = row.overall, [fold.f1 for fold in row.folds]
        overall = f"F1={result.f1:.4f} P={result.precision:.4f} R={result.recall:.4f}"
        spread = f"{statistics.mean(f1):.3f} ± {statistics.stdev(f1):.3f} ({min(f1):.3f}-{max(f1):.3f})"
        yield f"  {row.name:<42} {overall:<33} {spread:<30} {row.threshold}"
    yield "  cross-validated: each fold at the threshold best on the others; all pairs pools those predictions"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--corpus", type=Path, default=EVENTS_CORPUS, help="articles.jsonl and pairs.jsonl")
    parser.add_argument("--encoder", default=Encoder.name, choices=(Encoder.name, "none"),
                        help="the sentence encoder's rows too, or none: the lexical rows only")
    args = parser.parse_args(argv)
    for line in report_lines(evaluate(args.corpus, encoder=encoder_named(args.encoder, os.cpu_count() or 1))):
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
