"""Tf-idf vectors of title and lead, weighted by the window's own document frequencies.

The frequencies are those of the window when the article arrives, so replaying
the same input gives the same vectors without any stored vocabulary. Stems are
interned to small ints while any article in the window uses them, and a vector
is two flat numpy arrays: a few hundred bytes where a dict of strings took kilobytes.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass

import numpy as np

from agents.stories.interning import Interned
from agents.stories.text import stems


@dataclass(frozen=True, slots=True)
class Vector:
    """Unit-length sparse vector: term ids and their weights."""

    ids: np.ndarray
    weights: np.ndarray


class Vocabulary(Interned):
    """Stem ids and document frequencies (how many articles use each stem) over the window."""

    def __init__(self) -> None:
        super().__init__()
        self.documents = 0

    def __len__(self) -> int:
        """One more than the highest stem id handed out."""
        return len(self.strings)

    def add(self, terms: list[str]) -> list[int]:
        """Count one more document holding `terms` (distinct); their ids, in the same order."""
        self.documents += 1
        return self.acquire(terms)

    def remove(self, ids: np.ndarray) -> None:
        self.documents -= 1
        self.release(ids.tolist())

    def idf(self, term_id: int) -> float:
        return math.log((self.documents + 1) / (self.users[term_id] + 1)) + 1e-3

    def idfs(self, term_ids: np.ndarray) -> np.ndarray:
        """`idf` of many ids at once."""
        frequency = np.frombuffer(self.users, dtype=np.int32)[term_ids]
        return np.log((self.documents + 1) / (frequency + 1.0)) + 1e-3


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
