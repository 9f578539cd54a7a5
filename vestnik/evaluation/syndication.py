"""A seeded test set of syndicated copies and hard negatives, and how `duplicate_of` scores on it.

Built at run time from the same-story corpus (nothing is copied into the project):

- originals: a seeded sample of articles with at least three paragraphs;
- copies, one per original and edit, fed after all originals: the same body with
  another site's furniture around it (menu, "Читайте также" with three other
  headlines, share line, copyright), a changed headline, a lead sentence added (taken
  from another article), the first paragraph dropped, or the first paragraph
  rewritten (sentences reversed, every third word dropped);
- hard negatives: both articles of labelled pairs, i.e. different outlets' own
  articles on the same story or topic, which must not be called copies.

A copy counts as found when `duplicate_of` names its original; any other
`duplicate_of` is a false alarm.

    python -m vestnik.evaluation.syndication [--corpus DIR]
"""

from __future__ import annotations

import argparse
import random
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from agents.stories.model import StoryConfig
from agents.stories.records import cluster_records
from vestnik.evaluation.stories import DEFAULT_CORPUS, load_articles, load_pairs

Record = dict[str, Any]
SEED = 2024
MENU = "Главная\nНовости\nПолитика\nЭкономика\nОбщество\nПроисшествия\nСпорт\nКультура"
SHARE = "Поделиться: ВКонтакте Facebook Twitter Одноклассники Telegram"
COPYRIGHT = "© {site}. Все права защищены. При полном или частичном использовании материалов ссылка обязательна."
SITES = ("newsportal.ru", "gorod-info.ru", "vesti-region.ru", "press24.kz", "novosti.by")


@dataclass(frozen=True)
class DuplicateScore:
    copies: int
    negatives: int
    found: int
    false_alarms: int
    missed_by_edit: Mapping[str, int]

    @property
    def precision(self) -> float:
        flagged = self.found + self.false_alarms
        return self.found / flagged if flagged else 0.0

    @property
    def recall(self) -> float:
        return self.found / self.copies if self.copies else 0.0


def paragraphs(text: str) -> list[str]:
    return [part.strip() for part in text.split("\n\n") if part.strip()]


def sentences(paragraph: str) -> list[str]:
    return [part.strip() + "." for part in paragraph.split(". ") if part.strip()]


def with_furniture(article: Record, others: Sequence[Record], rng: random.Random) -> Record:
    site = rng.choice(SITES)
    related = "\n".join(other["title"] for other in rng.sample(list(others), 3))
    text = f"{MENU}\n\n{article['text']}\n\n{SHARE}\n\nЧитайте также:\n{related}\n\n{COPYRIGHT.format(site=site)}"
    return {**article, "text": text, "url": f"https://{site}/news/{article['id']}"}


def with_new_headline(article: Record, others: Sequence[Record], rng: random.Random) -> Record:
    words = article["title"].split()
    rng.shuffle(words)
    return {**article, "title": "Источник: " + " ".join(words[: max(2, len(words) - 2)])}


def with_added_lead(article: Record, others: Sequence[Record], rng: random.Random) -> Record:
    donor = sentences(paragraphs(rng.choice(list(others))["text"])[0])[0]
    return {**article, "text": f"{donor}\n\n{article['text']}"}


def without_first_paragraph(article: Record, others: Sequence[Record], rng: random.Random) -> Record:
    return {**article, "text": "\n\n".join(paragraphs(article["text"])[1:])}


def with_rewritten_lead(article: Record, others: Sequence[Record], rng: random.Random) -> Record:
    parts = paragraphs(article["text"])
    words = " ".join(reversed(sentences(parts[0]))).split()
    rewritten = " ".join(word for position, word in enumerate(words) if position % 3 != 2)
    return {**article, "text": "\n\n".join([rewritten, *parts[1:]])}


EDITS: dict[str, Callable[[Record, Sequence[Record], random.Random], Record]] = {
    "furniture": with_furniture,
    "headline": with_new_headline,
    "lead added": with_added_lead,
    "lead dropped": without_first_paragraph,
    "lead rewritten": with_rewritten_lead,
}


@dataclass(frozen=True)
class TestSet:
    stream: list[Record]
    original_of: dict[str, str]
    edit_of: dict[str, str]
    negatives: int


def build_test_set(
    articles: Sequence[Record], pair_ids: Sequence[tuple[str, str]], pairs: int = 1500, originals: int = 400
) -> TestSet:
    """Both articles of a seeded sample of pairs, in corpus order, then copies of some of them in seeded order."""
    rng = random.Random(SEED)
    sampled = rng.sample(list(pair_ids), pairs)
    stream_ids = {article_id for pair in sampled for article_id in pair}
    stream = [article for article in articles if article["id"] in stream_ids]
    eligible = [article for article in stream if len(paragraphs(article["text"])) >= 3]
    original_of, edit_of, copies = {}, {}, []
    for article in rng.sample(eligible, originals):
        for edit, make in EDITS.items():
            copy = make(article, stream, rng)
            copy["id"] = f"{article['id']}~{edit.replace(' ', '-')}"
            original_of[copy["id"]], edit_of[copy["id"]] = article["id"], edit
            copies.append(copy)
    rng.shuffle(copies)
    return TestSet(stream + copies, original_of, edit_of, len(sampled))


def score_duplicates(test_set: TestSet, config: StoryConfig | None = None) -> DuplicateScore:
    found = false_alarms = 0
    missed: dict[str, int] = {edit: 0 for edit in EDITS}
    for row in cluster_records(test_set.stream, config):
        expected = test_set.original_of.get(row["id"])
        if row["duplicate_of"] is not None and row["duplicate_of"] == expected:
            found += 1
        elif row["duplicate_of"] is not None:
            false_alarms += 1
        if expected is not None and row["duplicate_of"] != expected:
            missed[test_set.edit_of[row["id"]]] += 1
    return DuplicateScore(len(test_set.original_of), test_set.negatives, found, false_alarms, missed)


def evaluate_duplicates(corpus_dir: Path = DEFAULT_CORPUS, config: StoryConfig | None = None) -> DuplicateScore:
    pairs = [(pair.a, pair.b) for pair in load_pairs(corpus_dir, strict=False)]
    return score_duplicates(build_test_set(load_articles(corpus_dir), pairs), config)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="duplicate_of precision and recall on seeded syndicated copies")
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    args = parser.parse_args(argv)
    result = evaluate_duplicates(args.corpus)
    print(
        f"copies={result.copies} negative pairs={result.negatives} found={result.found} "
        f"false alarms={result.false_alarms} P={result.precision:.4f} R={result.recall:.4f}"
    )
    print("missed by edit: " + ", ".join(f"{edit} {count}" for edit, count in result.missed_by_edit.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
