"""The CPU cost of an article without Kafka: each stage's core alone, and a plain sequential script.

Runs in a process of its own (`vestnik bench` starts it), so that the models it
loads neither share the bench's memory nor its core:

    python -m vestnik.benchmarks.stages stages|plain --corpus DIR [--rounds N] [--limit N]

It prints one JSON object: per-page times of the cleaner's and the annotator's
cores, and of the sentence encoder that story-feed runs, over the corpus pages
the pipeline accepts; or the plain script's rate.
"""

from __future__ import annotations

import argparse
import gzip
import json
import statistics
import sys
import time
from dataclasses import asdict
from pathlib import Path


def corpus_html(corpus: Path, limit: int | None = None) -> list[tuple[str, bytes]]:
    """(url, html) of every saved corpus page, in manifest order."""
    pages = []
    for line in (corpus / "pages" / "manifest.jsonl").read_text(encoding="utf-8").splitlines():
        entry = json.loads(line)
        html = gzip.decompress((corpus / "pages" / entry["file"]).read_bytes())
        pages.append((entry["url"] or f"https://{entry['host']}/{entry['id']}", html))
    return pages[:limit] if limit else pages


def measure_stages(pages: list[tuple[str, bytes]], rounds: int) -> dict[str, object]:
    """Mean seconds per page of `clean` and per article of `annotate`, on the pages both accept."""
    from agents.annotator.core import get_annotator
    from agents.cleaner.core import Page, clean

    annotator = get_annotator()
    accepted = []
    for url, html in pages:  # also the warm-up: models and caches load here, outside the timing
        try:
            article = clean(Page(url=url, html=html))
            annotator.annotate(article.body, title=article.title)
        except Exception:
            continue
        accepted.append((url, html, article))
    clean_times, annotate_times = [], []
    for _ in range(rounds):
        for url, html, _article in accepted:
            began = time.perf_counter()
            clean(Page(url=url, html=html))
            clean_times.append(time.perf_counter() - began)
        for _url, _html, article in accepted:
            began = time.perf_counter()
            annotator.annotate(article.body, title=article.title)
            annotate_times.append(time.perf_counter() - began)
    from agents.stories.encoder import Encoder

    encoder = Encoder(threads=1)  # the story-feed stage's work: one sentence vector per article, one thread
    texts = [encoder.text_of(article.title, article.body) for _url, _html, article in accepted]
    encoder.encode(texts[:1])
    began = time.perf_counter()
    for text in texts:
        encoder.encode([text])
    encode_seconds = (time.perf_counter() - began) / len(texts)
    return {
        "encode_seconds": encode_seconds,
        "pages": len(accepted),
        "clean_seconds": statistics.fmean(clean_times),
        "annotate_seconds": statistics.fmean(annotate_times),
        "body_chars": statistics.fmean(len(article.body) for _u, _h, article in accepted),
        "urls": [url for url, _h, _a in accepted],
    }


def measure_plain(pages: list[tuple[str, bytes]], rounds: int) -> dict[str, object]:
    """What one would write without vestnik: trafilatura, then natasha's pipeline, page after page."""
    import trafilatura
    from natasha import Doc, MorphVocab, NewsEmbedding, NewsMorphTagger, NewsNERTagger, NewsSyntaxParser, Segmenter

    segmenter, embedding, vocab = Segmenter(), NewsEmbedding(), MorphVocab()
    morph, syntax, ner = NewsMorphTagger(embedding), NewsSyntaxParser(embedding), NewsNERTagger(embedding)

    def one(html: bytes) -> bool:
        text = trafilatura.extract(html)
        if not text:
            return False
        doc = Doc(text)
        doc.segment(segmenter)
        doc.tag_morph(morph)
        doc.parse_syntax(syntax)
        doc.tag_ner(ner)
        for span in doc.spans:
            span.normalize(vocab)
        return True

    one(pages[0][1])  # models load outside the timing
    done = 0
    began = time.perf_counter()
    for _ in range(rounds):
        done += sum(one(html) for _url, html in pages)
    seconds = time.perf_counter() - began
    return {"pages": done, "seconds": seconds, "rate": done / seconds}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("what", choices=("stages", "plain", "stories"))
    parser.add_argument("--corpus", type=Path)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--limit", type=int, default=None, help="only the first N corpus pages")
    parser.add_argument("--window", type=int, default=50_000, help="stories: articles in the story window")
    parser.add_argument("--measured", type=int, default=2_000, help="stories: articles timed after filling it")
    args = parser.parse_args()
    if args.what == "stories":
        from vestnik.evaluation.story_speed import measure as measure_stories

        json.dump(asdict(measure_stories(args.window, args.measured)), sys.stdout)
        return
    if args.corpus is None:
        parser.error("--corpus is needed for stages and plain")
    pages = corpus_html(args.corpus, args.limit)
    measure = measure_stages if args.what == "stages" else measure_plain
    json.dump(measure(pages, args.rounds), sys.stdout)


if __name__ == "__main__":
    main()
