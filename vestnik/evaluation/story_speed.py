"""Throughput of `StoryIndex.assign` with a full window, on synthetic articles.

Synthetic text keeps the measurement free of any corpus: words follow a Zipf
law, as in news, so common stems fill their posting lists, and each article
leans on one of many topics, so stories form and candidate lists are realistic.
With `vectors`, each article also carries a sentence vector, as story-feed gives
it (through int8), shaped like e5's: a direction all news shares, its topic's,
and its own, so that one topic's articles are at cosine 0.94 and others at 0.78.
This measures the assigning loop with the encoder on, without the encoder's own
cost. Its cost grows with the stories in the window: `--topics` sets how many
the synthetic news has (10 000: about five articles a story).
A topic's words are capitalised, as its names would be, so articles carry names.
"""

from __future__ import annotations

import argparse
import itertools
import random
import resource
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from agents.stories.encoder import dequantize, quantize
from agents.stories.index import StoryIndex
from agents.stories.model import Article, StoryConfig

SEED = 7
VECTOR_DIM = 384
VECTOR_MIX = (0.78**0.5, 0.16**0.5, 0.06**0.5)  # squared: what all news, one topic and one article share
VOCABULARY = 40_000
TOPIC_WORDS = 12
SYLLABLES = ("ба", "ве", "го", "ду", "жи", "зо", "ка", "ле", "ми", "но", "пра", "ре", "ст", "ту", "фи", "хо")


@dataclass(frozen=True)
class SpeedReport:
    window: int
    measured: int
    articles_per_second: float
    peak_rss_mb: float
    rss_growth_mb: float


def synthetic_articles(count: int, topics: int = 10_000, seed: int = SEED, vectors: bool = False
                       ) -> Iterator[Article]:
    rng = random.Random(seed)
    noise = np.random.default_rng(seed)
    vocabulary = ["".join(rng.choices(SYLLABLES, k=rng.randint(2, 5))) for _ in range(VOCABULARY)]
    weights = list(itertools.accumulate(1.0 / rank for rank in range(1, VOCABULARY + 1)))
    topic_words = [[word.capitalize() for word in rng.sample(vocabulary[200:], TOPIC_WORDS)] for _ in range(topics)]

    def words(topic: list[str], count: int) -> str:
        background = rng.choices(vocabulary, cum_weights=weights, k=count)
        return " ".join(rng.choice(topic) if rng.random() < 0.3 else word for word in background)

    for number in range(count):
        choice = rng.randrange(topics)
        topic = topic_words[choice]
        body = "\n\n".join(words(topic, 60) for _ in range(4))
        vector = None
        if vectors:
            parts = (SHARED, _unit(np.random.default_rng(choice)), _unit(noise))
            mixed = sum(weight * part for weight, part in zip(VECTOR_MIX, parts, strict=True))
            vector = dequantize(quantize(mixed.astype(np.float32)))
        yield Article(f"synthetic-{number}", words(topic, 8), body, f"https://site{number % 200}.ru/{number}",
                      vector=vector)


def _unit(rng: np.random.Generator) -> np.ndarray:
    vector = rng.normal(size=VECTOR_DIM)
    return vector / np.linalg.norm(vector)


SHARED = _unit(np.random.default_rng(SEED))


def max_rss_mb() -> float:
    """Peak resident memory of this process (Linux reports kilobytes)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure(window: int = 50_000, measured: int = 2_000, config: StoryConfig | None = None,
            vectors: bool = True, topics: int = 10_000) -> SpeedReport:
    """Fill a window of `window` articles, then time `measured` more (each also evicts one)."""
    index = StoryIndex(config or StoryConfig(window_articles=window))
    articles = synthetic_articles(window + measured, topics, vectors=vectors)
    before = max_rss_mb()
    for article in itertools.islice(articles, window):
        index.assign(article)
    started = time.perf_counter()
    for article in articles:
        index.assign(article)
    elapsed = time.perf_counter() - started
    peak = max_rss_mb()
    return SpeedReport(len(index), measured, measured / elapsed, peak, peak - before)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="assign throughput and memory with a full window")
    parser.add_argument("--window", type=int, default=50_000, help="articles in the window")
    parser.add_argument("--measured", type=int, default=2_000, help="articles timed after the window is full")
    parser.add_argument("--num-perm", type=int, default=StoryConfig.num_perm, help="MinHash permutations")
    parser.add_argument("--no-vectors", action="store_true", help="words only, as with VESTNIK_STORIES_ENCODER=none")
    parser.add_argument("--topics", type=int, default=10_000, help="topics of the synthetic news")
    args = parser.parse_args(argv)
    config = StoryConfig(window_articles=args.window, num_perm=args.num_perm)
    report = measure(args.window, args.measured, config, vectors=not args.no_vectors, topics=args.topics)
    print(
        f"{'words only' if args.no_vectors else 'with vectors'}, {args.topics} topics: window={report.window}"
        f" measured={report.measured} {report.articles_per_second:.0f} articles/s "
        f"peak RSS={report.peak_rss_mb:.0f} MB (+{report.rss_growth_mb:.0f} MB for the index, "
        f"{report.rss_growth_mb * 1024 / report.window:.1f} KB an article)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
