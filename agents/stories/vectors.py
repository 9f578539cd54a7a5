"""Tf-idf vectors of title and lead, weighted by the window's own document frequencies.

The frequencies are those of the window when the article arrives, so replaying
the same input gives the same vectors without any stored vocabulary. Stems are
interned to small ints while any article in the window uses them, and a vector
is two flat numpy arrays: a few hundred bytes where a dict of strings took kilobytes.
"""

from __future__ import annotations

import math
from array import array
from collections import Counter
from dataclasses import dataclass

import numpy as np

from agents.stories.text import stems


@dataclass(frozen=True, slots=True)
class Vector:
    """Unit-length sparse vector: term ids and their weights."""

    ids: np.ndarray
    weights: np.ndarray


class Vocabulary:
    """Stem ids and document frequencies over the articles in the window.

    A stem no article in the window uses gives its id back, so ids stay as few
    as the window's distinct stems; ids are handed out in a fixed order, so a
    replay numbers the stems the same.
    """

    def __init__(self) -> None:
        self.documents = 0
        self.ids: dict[str, int] = {}
        self.stems: list[str] = []
        self.frequency = array("i")
        self.free: list[int] = []

    def __len__(self) -> int:
        return len(self.stems)

    def add(self, terms: list[str]) -> list[int]:
        """Count one more document holding `terms` (distinct); their ids, in the same order."""
        self.documents += 1
        ids = []
        for term in terms:
            term_id = self.ids.get(term)
            if term_id is None:
                term_id = self._new_id(term)
            self.frequency[term_id] += 1
            ids.append(term_id)
        return ids

    def remove(self, ids: np.ndarray) -> None:
        self.documents -= 1
        for term_id in ids.tolist():
            self.frequency[term_id] -= 1
            if self.frequency[term_id] == 0:
                del self.ids[self.stems[term_id]]
                self.free.append(term_id)

    def idf(self, term_id: int) -> float:
        return math.log((self.documents + 1) / (self.frequency[term_id] + 1)) + 1e-3

    def idfs(self, term_ids: np.ndarray) -> np.ndarray:
        """`idf` of many ids at once."""
        frequency = np.frombuffer(self.frequency, dtype=np.int32)[term_ids]
        return np.log((self.documents + 1) / (frequency + 1.0)) + 1e-3

    def _new_id(self, term: str) -> int:
        if self.free:
            term_id = self.free.pop()
            self.stems[term_id] = term
        else:
            term_id = len(self.stems)
            self.stems.append(term)
            self.frequency.append(0)
        self.ids[term] = term_id
        return term_id


def term_counts(title: str, text: str, title_weight: int, lead_chars: int) -> Counter[str]:
    """The headline says what the story is, so its stems count `title_weight` times."""
    counts: Counter[str] = Counter()
    for stem in stems(title):
        counts[stem] += title_weight
    counts.update(stems(text[:lead_chars]))
    return counts


def weigh(counts: Counter[str], vocabulary: Vocabulary) -> Vector:
    """Count the article into `vocabulary`, then sublinear tf times idf, scaled to unit length."""
    ids = vocabulary.add(list(counts))
    weights = np.array(
        [(1.0 + math.log(count)) * vocabulary.idf(term_id) for term_id, count in zip(ids, counts.values(), strict=True)]
    )
    norm = float(np.sqrt(weights @ weights))
    if norm:
        weights /= norm
    return Vector(np.array(ids, dtype=np.int32), weights.astype(np.float32))
