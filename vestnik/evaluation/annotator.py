"""Token-level NER scores on the factRuEval dev set, beside plain natasha.

The method is naeval's, as described in corpus/ner/README.md: a token is
tagged TYPE when a span of that TYPE covers it; predicted spans that do not
start and stop on token bounds are dropped; counts are summed over documents.

    python -m vestnik.evaluation.annotator [--corpus DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from agents.annotator.spans import Span

TYPES = ("PER", "LOC", "ORG")
DEFAULT_CORPUS = Path(os.environ.get("VESTNIK_CORPUS_DIR", Path(__file__).resolve().parents[3] / "shared" / "corpus"))
DEV_FILE = Path("ner") / "factru_dev.jsonl"


@dataclass(frozen=True)
class GoldDocument:
    id: str
    text: str
    spans: list[Span]
    tokens: list[tuple[int, int]]


@dataclass(frozen=True)
class TypeScore:
    correct: int
    predicted: int
    gold: int

    @property
    def precision(self) -> float:
        return self.correct / self.predicted if self.predicted else 0.0

    @property
    def recall(self) -> float:
        return self.correct / self.gold if self.gold else 0.0

    @property
    def f1(self) -> float:
        total = self.precision + self.recall
        return 2 * self.precision * self.recall / total if total else 0.0


Predictor = Callable[[str], Iterable[Span]]


def load_documents(path: Path) -> list[GoldDocument]:
    documents = []
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            record = json.loads(line)
            documents.append(
                GoldDocument(
                    id=record["id"],
                    text=record["text"],
                    spans=[Span(s["start"], s["stop"], s["type"]) for s in record["spans"]],
                    tokens=[(start, stop) for start, stop in record["tokens"]],
                )
            )
    return documents


def tag_tokens(spans: Iterable[Span], tokens: list[tuple[int, int]], *, drop_off_bounds: bool) -> dict[int, str]:
    """Token index -> type of the span covering it."""
    starts = {start for start, _ in tokens}
    stops = {stop for _, stop in tokens}
    tags: dict[int, str] = {}
    for span in spans:
        if drop_off_bounds and (span.start not in starts or span.stop not in stops):
            continue
        for number, (start, stop) in enumerate(tokens):
            if start >= span.start and stop <= span.stop:
                tags[number] = span.type
    return tags


def score(documents: Iterable[GoldDocument], predictions: dict[str, list[Span]]) -> dict[str, TypeScore]:
    correct: Counter[str] = Counter()
    predicted: Counter[str] = Counter()
    gold: Counter[str] = Counter()
    for document in documents:
        gold_tags = tag_tokens(document.spans, document.tokens, drop_off_bounds=False)
        predicted_tags = tag_tokens(predictions.get(document.id, []), document.tokens, drop_off_bounds=True)
        gold.update(gold_tags.values())
        predicted.update(predicted_tags.values())
        correct.update(tag for number, tag in predicted_tags.items() if gold_tags.get(number) == tag)
    return {kind: TypeScore(correct[kind], predicted[kind], gold[kind]) for kind in TYPES}


def predict(documents: Iterable[GoldDocument], predictor: Predictor) -> dict[str, list[Span]]:
    return {document.id: list(predictor(document.text)) for document in documents}


def plain_natasha_predictor() -> Predictor:
    """NewsNERTagger alone on the whole document, as natasha's own benchmark runs it."""
    from natasha import NewsEmbedding, NewsNERTagger

    tagger = NewsNERTagger(NewsEmbedding())

    def run(text: str) -> Iterator[Span]:
        for span in tagger(text).spans:
            yield Span(span.start, span.stop, span.type)

    return run


def annotator_predictor() -> Predictor:
    from agents.annotator.core import get_annotator
    from agents.annotator.guard import UnannotatableText

    annotator = get_annotator()

    def run(text: str) -> Iterator[Span]:
        try:
            annotation = annotator.annotate(text)
        except UnannotatableText:
            return
        for mention in annotation.mentions:
            yield Span(mention.start, mention.stop, mention.type)

    return run


def micro_average(scores: dict[str, TypeScore]) -> TypeScore:
    return TypeScore(
        correct=sum(result.correct for result in scores.values()),
        predicted=sum(result.predicted for result in scores.values()),
        gold=sum(result.gold for result in scores.values()),
    )


def format_table(name: str, scores: dict[str, TypeScore]) -> str:
    """Per-type precision, recall and F1 (tokens), then their micro average."""
    lines = [name, f"{'type':<6}{'prec':>8}{'recall':>8}{'f1':>8}{'gold':>7}"]
    for kind, result in [*scores.items(), ("micro", micro_average(scores))]:
        lines.append(f"{kind:<6}{result.precision:>8.3f}{result.recall:>8.3f}{result.f1:>8.3f}{result.gold:>7}")
    return "\n".join(lines)


def f1_line(scores: dict[str, TypeScore]) -> str:
    return "F1 " + " ".join(f"{kind}={scores[kind].f1:.3f}" for kind in TYPES)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS, help="folder holding ner/factru_dev.jsonl")
    args = parser.parse_args(argv)
    documents = load_documents(args.corpus / DEV_FILE)
    plain = score(documents, predict(documents, plain_natasha_predictor()))
    ours = score(documents, predict(documents, annotator_predictor()))
    print(format_table("plain natasha (NewsNERTagger)", plain))
    print()
    print(format_table("vestnik annotator", ours))
    print(f1_line(ours))
    return 0


if __name__ == "__main__":
    sys.exit(main())
