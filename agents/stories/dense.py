"""The window's sentence vectors in one matrix, so one article's cosines with all of them are one product.

A row holds a member's unit vector, the code of its story and its publication
time; rows of members that left are reused. A full window of 50,000 articles
is 77 MB of float32, and one product over it takes a few milliseconds.
"""

from __future__ import annotations

import numpy as np

UNDATED = np.nan


class VectorRows:
    def __init__(self, dim: int = 384, initial_rows: int = 1024) -> None:
        self.dim = dim
        self.vectors = np.zeros((initial_rows, dim), dtype=np.float32)
        self.stories = np.full(initial_rows, -1, dtype=np.int64)  # -1: a free row
        self.times = np.full(initial_rows, UNDATED)
        self.free: list[int] = []
        self.used = 0  # rows ever handed out; rows past it are untouched

    def __len__(self) -> int:
        return self.used - len(self.free)

    def add(self, vector: np.ndarray, story: int, time: float | None) -> int:
        """Store a member's vector; its row number."""
        if self.free:
            row = self.free.pop()
        else:
            if self.used == len(self.vectors):
                self._grow()
            row = self.used
            self.used += 1
        self.vectors[row] = vector
        self.stories[row] = story
        self.times[row] = UNDATED if time is None else time
        return row

    def remove(self, row: int) -> None:
        self.stories[row] = -1
        self.free.append(row)

    def story_means(self, vector: np.ndarray, time: float | None, span: float) -> tuple[np.ndarray, np.ndarray]:
        """For every story code, the mean cosine of `vector` with the story's members within `span` seconds
        of `time` (an undated side is near any), and how many members that mean is over."""
        rows = slice(0, self.used)
        stories = self.stories[rows]
        near = stories >= 0
        if time is not None:
            times = self.times[rows]
            near &= np.isnan(times) | (np.abs(times - time) <= span)
        if not near.any():
            return np.zeros(0), np.zeros(0)
        cosines = self.vectors[rows] @ vector
        codes = stories[near]
        totals = np.bincount(codes, weights=cosines[near])
        counts = np.bincount(codes)
        return totals, counts

    def cosine(self, row: int, other: int) -> float:
        return float(self.vectors[row] @ self.vectors[other])

    def _grow(self) -> None:
        size = 2 * len(self.vectors)
        self.vectors = np.resize(self.vectors, (size, self.dim))
        self.stories = np.concatenate([self.stories, np.full(size - len(self.stories), -1, dtype=np.int64)])
        self.times = np.concatenate([self.times, np.full(size - len(self.times), UNDATED)])
