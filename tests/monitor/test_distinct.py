"""The distinct counter keeps exactly the smallest distinct hashes, however a batch repeats."""

from __future__ import annotations

import numpy as np
import pytest

from batchops.monitor.distinct import CAPACITY, DistinctCounter, candidates, hash_numbers


def smallest_distinct(hashes: np.ndarray, count: int) -> np.ndarray:
    return np.unique(hashes)[:count]


@pytest.mark.parametrize(
    "values",
    [
        np.random.default_rng(1).random(50_000),  # all distinct: the cut finds them
        np.random.default_rng(2).integers(0, 3_000, 50_000).astype(float),  # under capacity
        np.random.default_rng(3).integers(0, 5_000, 50_000).astype(float),  # just above it
    ],
    ids=["distinct", "repeats", "few-above-capacity"],
)
def test_candidates_are_the_smallest_distinct_hashes(values: np.ndarray) -> None:
    hashes = hash_numbers(values)
    expected = smallest_distinct(hashes, CAPACITY)
    np.testing.assert_array_equal(candidates(hashes, None), expected)
    threshold = expected[len(expected) // 2]
    below = candidates(hashes, threshold)
    np.testing.assert_array_equal(below, expected[expected < threshold])


def test_a_counter_fed_in_batches_keeps_what_one_batch_would() -> None:
    values = np.random.default_rng(4).random(120_000)
    values[::3] = values[1::3]  # a third of the values repeat others
    whole, batched = DistinctCounter(), DistinctCounter()
    whole.add_candidates(candidates(hash_numbers(values), None))
    for batch in np.array_split(values, 7):
        batched.add_candidates(candidates(hash_numbers(batch), batched.threshold))
    assert batched.estimate() == whole.estimate()
    assert abs(whole.estimate() / 80_000 - 1) < 4 / np.sqrt(CAPACITY)
