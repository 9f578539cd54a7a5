"""Throughput and peak memory of the annotator against plain natasha.

Both annotate the bodies of corpus/gold/*.json, each engine in its own process
so that peak RSS belongs to one engine. Plain natasha does the same steps on the
whole text: segment, morphology, syntax, NER, normalise every span, name facts.

    python -m vestnik.benchmarks.annotate [--corpus DIR] [--rounds N] [--repeats N] [--engine annotator|natasha]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from vestnik.evaluation.annotator import DEFAULT_CORPUS

ENGINES = ("annotator", "natasha")


def load_bodies(corpus: Path) -> list[tuple[str, str | None]]:
    articles = []
    for path in sorted((corpus / "gold").glob("*.json")):
        record = json.loads(path.read_text(encoding="utf-8"))
        articles.append((record["body"], record.get("title")))
    return articles


def annotator_engine() -> Callable[[str, str | None], object]:
    from agents.annotator.core import Annotator

    annotator = Annotator()
    return annotator.annotate


def natasha_engine() -> Callable[[str, str | None], object]:
    from natasha import (
        Doc,
        MorphVocab,
        NamesExtractor,
        NewsEmbedding,
        NewsMorphTagger,
        NewsNERTagger,
        NewsSyntaxParser,
        Segmenter,
    )

    segmenter, embedding, vocab = Segmenter(), NewsEmbedding(), MorphVocab()
    morph, syntax, ner = NewsMorphTagger(embedding), NewsSyntaxParser(embedding), NewsNERTagger(embedding)
    names = NamesExtractor(vocab)

    def run(text: str, title: str | None) -> object:
        doc = Doc(text)
        doc.segment(segmenter)
        doc.tag_morph(morph)
        doc.parse_syntax(syntax)
        doc.tag_ner(ner)
        for span in doc.spans:
            span.normalize(vocab)
            if span.type == "PER":
                span.extract_fact(names)
        return doc.spans

    return run


def measure(engine: str, articles: list[tuple[str, str | None]], rounds: int, repeats: int) -> str:
    """Best of `repeats` timings of `rounds` passes, wall clock and CPU: the least disturbed."""
    started = time.perf_counter()
    annotate = annotator_engine() if engine == "annotator" else natasha_engine()
    loaded = time.perf_counter() - started
    for text, title in articles:  # warm-up: caches, lazy imports
        annotate(text, title)
    wall, cpu = [], []
    for _ in range(repeats):
        started, started_cpu = time.perf_counter(), time.process_time()
        for _ in range(rounds):
            for text, title in articles:
                annotate(text, title)
        wall.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
    count = rounds * len(articles)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return (
        f"{engine:<10} {count / min(wall):6.1f} articles/s  {1000 * min(wall) / count:6.1f} ms/article wall  "
        f"{1000 * min(cpu) / count:6.1f} ms/article CPU  load {loaded:4.1f} s  peak RSS {peak_mb:4.0f} MB"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--rounds", type=int, default=4, help="passes over the articles per timing")
    parser.add_argument("--repeats", type=int, default=5, help="timings; the best one is reported")
    parser.add_argument("--engine", choices=ENGINES)
    args = parser.parse_args(argv)
    if args.engine:
        print(measure(args.engine, load_bodies(args.corpus), args.rounds, args.repeats))
        return 0
    for engine in ENGINES:
        command = [sys.executable, "-m", "vestnik.benchmarks.annotate", "--engine", engine]
        command += ["--corpus", str(args.corpus), "--rounds", str(args.rounds), "--repeats", str(args.repeats)]
        subprocess.run(command, check=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
