"""Syndicated copies: MinHash of word shingles of the body, banded for lookup.

A copy keeps most of the body's word runs even with another site's furniture,
a new headline or a rewritten lead; another article on the same topic shares few.
Bands only propose candidates; each is checked on its MinHash estimate of
Jaccard similarity, and the earliest that passes wins.

Signatures and band keys are rows of flat arrays, one row per slot of the
window (arrival sequence modulo its count bound, which the first-in first-out
window never exceeds), so an article costs a few hundred bytes rather than the
many small objects of a dict-of-sets LSH. A lookup compares the band keys of
the whole window at once, which is cheap at any window size the bound allows.
"""

from __future__ import annotations

import numpy as np
from datasketch import MinHash

from agents.stories.text import shingles

SEED = 1
SCHEME = "affine32"
CANDIDATE_RECALL = 0.99


def rows_per_band(threshold: float, num_perm: int) -> int:
    """The most rows per band (fewest false candidates) that still proposes a pair
    at the threshold with probability `CANDIDATE_RECALL`: the check after it is exact."""
    rows = 1
    while rows < num_perm:
        bands = num_perm // (rows + 1)
        if 1.0 - (1.0 - threshold ** (rows + 1)) ** bands < CANDIDATE_RECALL:
            break
        rows += 1
    return rows


class DuplicateIndex:
    def __init__(self, threshold: float, num_perm: int, shingle_words: int, capacity: int) -> None:
        self.threshold = threshold
        self.num_perm = num_perm
        self.shingle_words = shingle_words
        self.capacity = capacity
        self.rows = rows_per_band(threshold, num_perm)
        self.bands = num_perm // self.rows
        self.permutations = MinHash(num_perm=num_perm, seed=SEED, scheme=SCHEME).permutations
        self.mixers = np.random.default_rng(SEED).integers(1, 2**63, self.rows, dtype=np.uint64) | np.uint64(1)
        # Zeroed memory is only mapped in as rows are written, so a small window stays small.
        self.signatures = np.zeros((capacity, num_perm), dtype=np.uint32)
        self.keys = np.zeros((self.bands, capacity), dtype=np.uint64)  # band-major: each band scans contiguously
        self.after = np.zeros(capacity, dtype=np.int64)  # the row's sequence plus one; 0 for an empty row
        self.live = 0
        self.filled = 0  # rows ever written: until the window is first full, the rest are never scanned

    def signature(self, text: str) -> np.ndarray | None:
        """None for an empty body: nothing to compare."""
        runs = shingles(text, self.shingle_words)
        if not runs:
            return None
        minhash = MinHash(num_perm=self.num_perm, seed=SEED, permutations=self.permutations, scheme=SCHEME)
        minhash.update_batch([run.encode("utf-8") for run in runs])
        return np.asarray(minhash.hashvalues, dtype=np.uint32)

    def earliest_copy(self, signature: np.ndarray) -> tuple[int, float] | None:
        """The sequence of the earliest indexed article whose body is nearly the same, with the estimated Jaccard."""
        if not self.live:
            return None
        wanted = self._band_keys(signature)
        matched = self.keys[0, : self.filled] == wanted[0]
        for band in range(1, self.bands):
            matched |= self.keys[band, : self.filled] == wanted[band]
        proposed = np.flatnonzero(matched)
        proposed = proposed[self.after[proposed] > 0]
        if not len(proposed):
            return None
        similarity = np.count_nonzero(self.signatures[proposed] == signature, axis=1) / self.num_perm
        passing = proposed[similarity >= self.threshold]
        if not len(passing):
            return None
        earliest = passing[np.argmin(self.after[passing])]
        return int(self.after[earliest]) - 1, float(similarity[np.searchsorted(proposed, earliest)])

    def add(self, sequence: int, signature: np.ndarray) -> None:
        slot = sequence % self.capacity
        self.signatures[slot] = signature
        self.keys[:, slot] = self._band_keys(signature)
        self.after[slot] = sequence + 1
        self.live += 1
        self.filled = max(self.filled, slot + 1)

    def remove(self, sequence: int) -> None:
        slot = sequence % self.capacity
        if self.after[slot] == sequence + 1:
            self.after[slot] = 0
            self.live -= 1

    def __len__(self) -> int:
        return self.live

    def _band_keys(self, signature: np.ndarray) -> np.ndarray:
        """One 64-bit key per band of `rows` values; a collision only costs an exact check."""
        bands = signature[: self.bands * self.rows].reshape(self.bands, self.rows).astype(np.uint64)
        return (bands * self.mixers).sum(axis=1, dtype=np.uint64)
