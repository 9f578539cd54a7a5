"""Each story's sentence vectors summed, so an article's mean cosine with every story is one product.

The mean cosine of a vector with a story's members is its dot product with the
members' sum, divided by their number: average link at the cost of one row per
story, not one per article. A row also keeps the first and last publication time
of its members, so that a story stops taking members `span` after its last one.

Members are kept on a grid of 1/4096 (768 bytes an article), where float32 sums
of up to 4 096 members are exact: taking a member away leaves the sum it would
have had without it. The product over all stories runs in float32 (BLAS), whose
rounding depends on the machine; the stories it puts near the threshold are
scored again in float64, which is exact on the grid, so a standby or a rebuild
on another machine decides exactly as the owner did.
"""

from __future__ import annotations

import numpy as np

UNDATED = np.nan
GRID = 4096
COARSE_MARGIN = 1e-3  # far above float32's error on a mean of 384 products


def rounded(vector: np.ndarray) -> np.ndarray:
    """A unit vector on the grid, as int16 steps of 1/GRID."""
    return np.round(np.asarray(vector, dtype=np.float32) * GRID).astype(np.int16)


def unrounded(steps: np.ndarray) -> np.ndarray:
    return steps.astype(np.float32) / GRID


class StoryVectors:
    """Per story code: the sum of its members' vectors, how many they are, their first and last time."""

    def __init__(self, dim: int = 384, initial_stories: int = 1024) -> None:
        self.dim = dim
        self.sums = np.zeros((initial_stories, dim), dtype=np.float32)
        self.counts = np.zeros(initial_stories, dtype=np.int64)
        self.earliest = np.full(initial_stories, UNDATED)
        self.latest = np.full(initial_stories, UNDATED)
        self.size = 0  # one more than the highest story code seen; rows past it are untouched

    def add(self, code: int, vector: np.ndarray, time: float | None) -> None:
        """Count a member (`vector` as `rounded` gives it) into story `code`."""
        vector = unrounded(vector)
        while code >= len(self.counts):
            self._grow()
        self.size = max(self.size, code + 1)
        self.sums[code] += vector
        self.counts[code] += 1
        if time is not None:
            if np.isnan(self.earliest[code]) or time < self.earliest[code]:
                self.earliest[code] = time
            if np.isnan(self.latest[code]) or time > self.latest[code]:
                self.latest[code] = time

    def remove(self, code: int, vector: np.ndarray) -> None:
        vector = unrounded(vector)
        self.counts[code] -= 1
        if self.counts[code] == 0:  # the code may go to another story: it starts from nothing
            self.sums[code] = 0.0
            self.earliest[code] = self.latest[code] = UNDATED
        else:
            self.sums[code] -= vector

    def ranked(self, vector: np.ndarray, time: float | None, span: float, floor: float) -> list[tuple[int, float]]:
        """The stories that take a member at `time` (an undated side takes any) whose mean cosine with
        `vector` reaches `floor`, best first, ties to the lowest code: (code, mean)."""
        stories = slice(0, self.size)
        counts = self.counts[stories]
        open_ = counts > 0
        if time is not None:
            earliest, latest = self.earliest[stories], self.latest[stories]
            open_ &= np.isnan(latest) | ((time <= latest + span) & (time >= earliest - span))
        if not open_.any():
            return []
        coarse = np.full(self.size, -np.inf)
        np.divide(self.sums[stories] @ vector, counts, out=coarse, where=open_)
        codes = np.flatnonzero(coarse >= floor - COARSE_MARGIN)
        exact = (self.sums[codes].astype(np.float64) @ vector.astype(np.float64)) / counts[codes]
        codes, exact = codes[exact >= floor], exact[exact >= floor]
        order = np.lexsort((codes, -exact))
        return [(int(codes[n]), float(exact[n])) for n in order]

    def _grow(self) -> None:
        size = 2 * len(self.counts)
        self.sums = np.concatenate([self.sums, np.zeros_like(self.sums)])
        self.counts = np.concatenate([self.counts, np.zeros(size - len(self.counts), dtype=np.int64)])
        self.earliest = np.concatenate([self.earliest, np.full(size - len(self.earliest), UNDATED)])
        self.latest = np.concatenate([self.latest, np.full(size - len(self.latest), UNDATED)])
