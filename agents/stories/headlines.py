"""Headline alignment over natasha's word vectors: two headlines that say one thing in other words.

Stems match a word only with its own forms; navec's news vectors also match
near words («встреча» and «переговоры», «глава МИД» and «министр»). Each word
of one headline takes its best match in the other, matches below a floor count
as none, and the words are weighted by the window's idf of their stems, so
«Путин» and «заявил» matter less than «АТЭС». Both directions are averaged.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np
from natasha import NewsEmbedding

from agents.stories.interning import Interned
from agents.stories.text import STEM_CHARS, words
from agents.stories.vectors import Vocabulary


@cache
def news_embedding() -> NewsEmbedding:
    """natasha's navec vectors, loaded once per process."""
    return NewsEmbedding()


@dataclass(frozen=True, slots=True)
class Headline:
    """A headline's distinct words: their rows in the `WordTable` and their stem ids in the `Vocabulary`."""

    rows: np.ndarray
    stems: np.ndarray


class WordTable(Interned):
    """Unit vectors of the words of the window's headlines, each word stored once while a headline uses it.

    Rows are float16, 600 bytes a word. A word navec does not know gets a zero
    row, so it matches only by its stem.
    """

    def __init__(self, embedding: NewsEmbedding) -> None:
        super().__init__()
        self.embedding = embedding
        # The window's text writes ё as е; navec keeps some words only with ё.
        self.spelled = {w.replace("ё", "е"): w for w in embedding.vocab.words if "ё" in w}
        self.rows = np.zeros((1024, embedding.pq.dim), dtype=np.float16)

    def _new_id(self, string: str) -> int:
        row = super()._new_id(string)
        if row == len(self.rows):
            self.rows = np.concatenate([self.rows, np.zeros_like(self.rows)])
        vector = self.embedding.get(self.spelled.get(string, string))
        norm = float(np.linalg.norm(vector)) if vector is not None else 0.0
        self.rows[row] = vector / norm if norm else 0.0
        return row


class Headlines:
    """The headlines of the window's articles, and how well one aligns with others."""

    def __init__(self, embedding: NewsEmbedding, vocabulary: Vocabulary, floor: float) -> None:
        self.table = WordTable(embedding)
        self.vocabulary = vocabulary
        self.floor = floor

    def add(self, title: str) -> Headline | None:
        """Intern `title`'s words; its stems must already be counted in the vocabulary."""
        distinct = list(dict.fromkeys(words(title)))
        if not distinct:
            return None
        stem_ids = [self.vocabulary.ids[word[:STEM_CHARS]] for word in distinct]
        return Headline(np.array(self.table.acquire(distinct), dtype=np.int32), np.array(stem_ids, dtype=np.int32))

    def remove(self, headline: Headline) -> None:
        self.table.release(headline.rows.tolist())

    def alignments(self, query: Headline, others: list[Headline | None]) -> np.ndarray:
        """Alignment of `query` with each of `others` in [0, 1]; NaN where either has no headline."""
        result = np.full(len(others), np.nan)
        present = [i for i, other in enumerate(others) if other is not None]
        if not present:
            return result
        kept = [others[i] for i in present]
        rows = np.concatenate([h.rows for h in kept if h is not None])
        stem_ids = np.concatenate([h.stems for h in kept if h is not None])
        starts = np.cumsum([0] + [len(h.rows) for h in kept[:-1] if h is not None])
        vectors = self.table.rows
        # einsum, not BLAS: no thread pool to wake for a product this small, and the same sums on every replay.
        similarity = np.einsum("qd,od->qo", vectors[query.rows].astype(np.float32), vectors[rows].astype(np.float32))
        similarity[similarity < self.floor] = 0.0
        np.minimum(similarity, 1.0, out=similarity)  # float16 rows can overshoot a unit product
        similarity[query.stems[:, None] == stem_ids[None, :]] = 1.0
        query_weights = self.vocabulary.idfs(query.stems)
        other_weights = self.vocabulary.idfs(stem_ids)
        forward = query_weights @ np.maximum.reduceat(similarity, starts, axis=1) / query_weights.sum()
        backward = np.add.reduceat(other_weights * similarity.max(axis=0), starts) / np.add.reduceat(
            other_weights, starts
        )
        result[present] = 0.5 * (forward + backward)
        return result
