"""Approximate distinct counts in bounded memory, updated a whole column at a time.

Model Monitor's `distinct_count` and `approximate_num_distinct_values` are approximate, which is
what lets a column of a million distinct values be profiled without holding them. DataSketches'
HLL, CPC and Theta sketches would do, but their Python bindings (5.2) take one value per call:
a million distinct strings cost about 0.25 s per million rows that way. This is the same idea as
a Theta sketch (k minimum values of a 64-bit hash): a batch is hashed in one compiled pass
(`_columns`, over a number's bits or a string's bytes) that keeps only the hashes a counter
may still take. Exact below `capacity` distinct values; relative standard error about
1/sqrt(capacity) above; mergeable, so partitions profiled apart combine into the same answer.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from batchops.monitor import _columns

CAPACITY = 4096
_MAX_HASH = float(2**64)
_GOLDEN_GAMMA = np.uint64(0x9E3779B97F4A7C15)
_MIX_1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX_2 = np.uint64(0x94D049BB133111EB)


def mix64(keys: np.ndarray) -> np.ndarray:
    """SplitMix64 of each uint64 key: distinct keys give distinct outputs that pass as uniform
    random bits (the quantile sketch thins with them, in place of a random generator)."""
    mixed = keys + _GOLDEN_GAMMA
    mixed ^= mixed >> np.uint64(30)
    mixed *= _MIX_1
    mixed ^= mixed >> np.uint64(27)
    mixed *= _MIX_2
    mixed ^= mixed >> np.uint64(31)
    return mixed


def number_candidates(
    values: np.ndarray,
    threshold: np.uint64 | None,
    capacity: int = CAPACITY,
    repeats: bool = False,
) -> np.ndarray:
    """The hashes of float64 `values` (-0.0 and 0.0 alike) that a counter with this
    `threshold` may keep: sorted, distinct, at most `capacity`. Pure, so reader threads work
    it out; a stale (higher) threshold lets more through, which the counter drops.

    `repeats`: the column is known to repeat its values (its counter holds some hashes and
    keeps them all), so they are not tried as mostly distinct first.
    """
    values = np.ascontiguousarray(values, dtype=np.float64)
    found = _columns.number_candidates(values, _bound(threshold), capacity, not repeats)
    return _smallest(found, capacity)


def text_candidates(
    strings: pa.Array,
    threshold: np.uint64 | None,
    capacity: int = CAPACITY,
    repeats: bool = False,
) -> np.ndarray:
    """`number_candidates` for the hashes of a string array's values (nulls dropped first)."""
    if strings.type != pa.string():
        strings = strings.cast(pa.string())
    _, offsets, data = strings.buffers()
    if offsets is None:  # an empty array may come without buffers
        return np.empty(0, dtype=np.uint64)
    found = _columns.text_candidates(
        offsets,
        data or b"",
        strings.offset,
        len(strings),
        _bound(threshold),
        capacity,
        not repeats,
    )
    return _smallest(found, capacity)


def _bound(threshold: np.uint64 | None) -> int | None:
    return None if threshold is None else int(threshold)


def _smallest(found: bytes, capacity: int) -> np.ndarray:
    return np.sort(np.frombuffer(found, dtype=np.uint64))[:capacity]


class DistinctCounter:
    """Keeps the `capacity` smallest distinct hashes seen (the k-minimum-values sketch)."""

    __slots__ = ("_capacity", "_hashes")

    def __init__(self, capacity: int = CAPACITY) -> None:
        self._capacity = capacity
        self._hashes = np.empty(0, dtype=np.uint64)

    def add_candidates(self, hashes: np.ndarray) -> None:
        """Add sorted distinct hashes, as `candidates` returns them (few: cheap to add)."""
        kept = self._hashes
        if self.is_full:
            hashes = hashes[hashes < kept[-1]]
        if not len(hashes):
            return
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
    def repeats(self) -> bool:
        """Whether the values so far repeated: some hashes kept, and room for more."""
        return 0 < len(self._hashes) < self._capacity

    @property
    def is_full(self) -> bool:
        return len(self._hashes) >= self._capacity

    @property
    def threshold(self) -> np.uint64 | None:
        """Hashes from this one up cannot be kept; None while every distinct hash is."""
        return self._hashes[-1] if self.is_full else None

    def merge(self, other: DistinctCounter) -> None:
        self.add_candidates(other._hashes)  # sorted and distinct already

    def estimate(self) -> float:
        kept = len(self._hashes)
        if kept < self._capacity:
            return float(kept)
        return (kept - 1) / ((float(self._hashes[-1]) + 1.0) / _MAX_HASH)
