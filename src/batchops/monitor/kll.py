"""A KLL quantile sketch with deterministic compaction, updated a numpy array at a time.

Why our own: DataSketches' KLL decides which half of a sorted compactor survives with a random
coin that its Python binding cannot seed, so the same data gave different `statistics.json`
files (and drift distances) from run to run. Here the coin of compaction j at level h is a
SplitMix64 hash of (seed, h, j // 2), and compaction j + 1 takes the other half when j is even
(Deequ's `NonSampleCompactor` alternates the same way; pairing opposite halves also cancels
the error of a query that falls between them twice in a row). So the sketch is a pure function
of the values, their order, how they were batched and the seed, while the offsets still behave
as coin flips across levels and pairs.

The structure is KLL's (Karnin, Lang, Liberty 2016): compactor level h holds items that each
stand for 2**h values, level h's capacity is `k * c**(H - 1 - h)` items (H levels, at least
`MIN_CAPACITY`), and when the sketch holds more items than its levels' capacities add up to,
the lowest full level is sorted and every other item moves up a level. Parameters are Deequ's
(`sketchSize` 2048, `shrinkingFactor` 0.64), as Model Monitor writes them into
`statistics.json`, so a sketch of ours reads like one of theirs.

Vectorized: every level is kept in ascending order, so a batch is sorted once and merged
into level 0, and compacting a level is a strided slice of it merged into the level above: an
update costs one sort of the batch and a few linear merges, not a Python step per value nor a
sort per level it touches (sorting each level again cost 1.6 times as much). Mergeable: levels of
equal weight are merged and compacted again, so sketches of parts combine into one of the
whole.
"""

from __future__ import annotations

import math

import numpy as np

SKETCH_SIZE = 2048
"""Deequ's `sketchSize` (KLL's k): the top level's capacity. Normalized rank error about
0.14% (what DataSketches states for its KLL of that k)."""

SHRINKING_FACTOR = 0.64
"""Deequ's `shrinkingFactor` (KLL's c): each level below the top holds this share of the
one above it."""

MIN_CAPACITY = 8
"""The smallest capacity a level gets (DataSketches' minimum width), so that low levels do not
compact every few values."""

_EMPTY = np.empty(0, dtype=np.float64)


class KllSketch:
    """A mergeable quantile sketch of float64 values; see the module's docstring."""

    __slots__ = ("_capacities", "_retained", "c", "compactions", "k", "levels", "n", "seed")

    def __init__(self, k: int = SKETCH_SIZE, c: float = SHRINKING_FACTOR, seed: int = 0) -> None:
        self.k = k
        self.c = c
        self.seed = seed
        """Picks the coins of this sketch's compactions (sketches of parts get their own)."""
        self.n = 0
        """Values added (merged sketches' included)."""
        self.levels: list[np.ndarray] = [_EMPTY]
        """Level h: items of weight 2**h, in ascending order."""
        self.compactions: list[int] = [0]
        """Compactions made so far at each level (they choose the coins)."""
        self._retained = 0
        self._capacities = self._capacities_for(1)

    def _capacities_for(self, height: int) -> list[int]:
        return [
            max(MIN_CAPACITY, math.ceil(self.k * self.c ** (height - 1 - h))) for h in range(height)
        ]

    @property
    def retained(self) -> int:
        """Items kept, over all levels."""
        return self._retained

    def is_empty(self) -> bool:
        return self.n == 0

    def update(self, values: np.ndarray) -> None:
        """Add a batch of float64 values (NaN is not a value: leave it out beforehand)."""
        if not len(values):
            return
        self.levels[0] = _merged(self.levels[0], np.sort(values))
        self.n += len(values)
        self._retained += len(values)
        self._compress()

    def merge(self, other: KllSketch, shift: int = 0) -> None:
        """Add what `other` stands for (it is left as it was); with a `shift`, each of its
        items stands for 2**shift times as many values here (a sketch of a sample of one value
        in 2**shift)."""
        if other.is_empty():
            return
        while len(self.levels) < len(other.levels) + shift:
            self._grow()
        for h, items in enumerate(other.levels, start=shift):
            if len(items):
                self.levels[h] = _merged(self.levels[h], items)
            self.compactions[h] += other.compactions[h - shift]
        self.n += other.n << shift
        self._retained += other._retained
        self._compress()

    def copy(self) -> KllSketch:
        copied = KllSketch(self.k, self.c, self.seed)
        copied.merge(self)
        return copied

    def _grow(self) -> None:
        self.levels.append(_EMPTY)
        self.compactions.append(0)
        self._capacities = self._capacities_for(len(self.levels))

    def _compress(self) -> None:
        """Compact the lowest full level until the items fit the levels' capacities."""
        while self._retained > sum(self._capacities):
            capacities = self._capacities
            h = next(h for h, items in enumerate(self.levels) if len(items) >= capacities[h])
            self._compact(h)

    def _compact(self, h: int) -> None:
        if h + 1 == len(self.levels):
            self._grow()
        items = self.levels[h]
        held = len(items) & 1  # an odd item out stays: the smallest
        count = self.compactions[h]
        offset = _coin(self.seed, h, count >> 1) ^ (count & 1)  # pairs take opposite halves
        promoted = items[held + offset :: 2]
        self.levels[h + 1] = _merged(self.levels[h + 1], promoted)
        self.levels[h] = items[:held].copy()
        self.compactions[h] = count + 1
        self._retained -= len(promoted)

    def sorted_levels(self) -> list[np.ndarray]:
        """Each level's items in ascending order (the order `statistics.json` lists them in)."""
        return [items.copy() for items in self.levels]


def _merged(first: np.ndarray, second: np.ndarray) -> np.ndarray:
    """Two ascending arrays as one new ascending array (neither is changed)."""
    # Timsort finds the two runs and merges them in linear time: faster than inserting one
    # into the other, and than sorting again (numpy's quicksort does not look for runs).
    return np.sort(np.concatenate([first, second]), kind="stable")


_MASK = (1 << 64) - 1


def _coin(seed: int, level: int, pair: int) -> int:
    """0 or 1: a bit of SplitMix64's output for (seed, level, pair of compactions)."""
    z = (seed * 0x9E3779B97F4A7C15 + (level << 40) + pair + 0x9E3779B97F4A7C15) & _MASK
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK
    return (z ^ (z >> 31)) >> 63
