"""Approximate distinct counts in bounded memory, updated a whole column at a time.

Model Monitor's `distinct_count` and `approximate_num_distinct_values` are approximate, which is
what lets a column of a million distinct values be profiled without holding them. DataSketches'
HLL, CPC and Theta sketches would do, but their Python bindings (5.2) take one value per call:
a million distinct strings cost about 0.25 s per million rows that way. This is the same idea as
a Theta sketch (k minimum values of a 64-bit hash) written with numpy, so a batch is one
vectorised step: hash every value (polars' hash kernel, about 1 ns per number), keep those
below the current threshold. Exact below
`capacity` distinct values; relative standard error about 1/sqrt(capacity) above; mergeable,
so partitions profiled apart combine into the same answer.
"""

from __future__ import annotations

from typing import Any

import numpy as np

CAPACITY = 4096
_MAX_HASH = float(2**64)
_SEED = 0x5EED


def hash_numbers(values: np.ndarray) -> np.ndarray:
    """A 64-bit hash of each float64 value (-0.0 and 0.0 hash alike)."""
    import polars as pl

    return pl.Series(values=values + 0.0, dtype=pl.Float64).hash(seed=_SEED).to_numpy()


def hash_strings(values: Any) -> np.ndarray:
    """A 64-bit hash of each string of an Arrow array (nulls must be dropped first)."""
    import polars as pl

    series = pl.Series(values=values, dtype=pl.String)
    return series.hash(seed=_SEED).to_numpy()


def _distinct(values: np.ndarray) -> np.ndarray:
    """Distinct values, through Arrow's hash kernel (several times faster than sorting)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    return np.asarray(pc.unique(pa.array(values)))


class DistinctCounter:
    """Keeps the `capacity` smallest distinct hashes seen (the k-minimum-values sketch)."""

    __slots__ = ("_capacity", "_hashes")

    def __init__(self, capacity: int = CAPACITY) -> None:
        self._capacity = capacity
        self._hashes = np.empty(0, dtype=np.uint64)

    def update_hashes(self, hashes: np.ndarray) -> None:
        kept = self._hashes
        if self._full:
            hashes = hashes[hashes < kept[-1]]
        if not len(hashes):
            return
        if len(hashes) > 2 * self._capacity:
            hashes = _distinct(hashes)
            if len(hashes) > self._capacity:
                # Only the `capacity` smallest can stay: select them in linear time.
                hashes = np.partition(hashes, self._capacity - 1)[: self._capacity]
        hashes = np.unique(hashes)  # few by now: the batch's distinct values, or the smallest
        if len(kept):
            # Most of them are usually kept already: insert only the others, in order,
            # instead of sorting everything kept again.
            at = np.searchsorted(kept, hashes)
            fresh = (at == len(kept)) | (kept[np.minimum(at, len(kept) - 1)] != hashes)
            if not fresh.any():
                return
            hashes = np.insert(kept, at[fresh], hashes[fresh])
        self._hashes = hashes[: self._capacity]

    @property
    def _full(self) -> bool:
        return len(self._hashes) >= self._capacity

    def update_numbers(self, values: np.ndarray) -> None:
        if not self._full:
            values = _distinct(values)  # every hash would be kept: drop repeats first
        self.update_hashes(hash_numbers(values))

    def update_strings(self, values: Any) -> None:
        self.update_hashes(hash_strings(values))

    def merge(self, other: DistinctCounter) -> None:
        self.update_hashes(other._hashes)

    def estimate(self) -> float:
        kept = len(self._hashes)
        if kept < self._capacity:
            return float(kept)
        return (kept - 1) / ((float(self._hashes[-1]) + 1.0) / _MAX_HASH)
