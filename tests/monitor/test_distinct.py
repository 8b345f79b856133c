"""The distinct counter keeps exactly the smallest distinct hashes, however a batch repeats."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pyarrow as pa
import pytest

from batchops.monitor.distinct import (
    CAPACITY,
    DistinctCounter,
    number_candidates,
    text_candidates,
)


def every_hash(values: np.ndarray) -> np.ndarray:
    """All distinct hashes of `values`: a capacity no batch fills lets none go."""
    return number_candidates(values, None, capacity=len(values))


@pytest.mark.parametrize(
    "values",
    [
        np.random.default_rng(1).random(50_000),  # all distinct: the kept set fills often
        np.random.default_rng(2).integers(0, 3_000, 50_000).astype(float),  # under capacity
        np.random.default_rng(3).integers(0, 5_000, 50_000).astype(float),  # just above it
    ],
    ids=["distinct", "repeats", "few-above-capacity"],
)
def test_candidates_are_the_smallest_distinct_hashes(values: np.ndarray) -> None:
    hashes = every_hash(values)
    assert len(hashes) == len(np.unique(values))  # no two values share a hash
    expected = hashes[:CAPACITY]
    np.testing.assert_array_equal(number_candidates(values, None), expected)
    threshold = expected[len(expected) // 2]
    below = number_candidates(values, threshold)
    np.testing.assert_array_equal(below, expected[expected < threshold])


def test_zero_and_minus_zero_are_one_value() -> None:
    assert len(every_hash(np.array([0.0, -0.0, 0.0]))) == 1


def test_texts_are_hashed_by_their_bytes_whatever_their_length_or_slice() -> None:
    texts = ["", "a", "a\0", "abcdefgh", "abcdefgh\0", "abcdefghi", "é", "abcdefgh"]
    strings = pa.array(["skipped", *texts, None]).drop_null().slice(1)
    hashes = text_candidates(strings, None)
    assert len(hashes) == len(set(texts))
    large = pa.array(texts, type=pa.large_string())
    np.testing.assert_array_equal(text_candidates(large, None), hashes)
    assert len(text_candidates(pa.array([], type=pa.string()), None)) == 0


def test_a_counter_fed_in_batches_keeps_what_one_batch_would() -> None:
    values = np.random.default_rng(4).random(120_000)
    values[::3] = values[1::3]  # a third of the values repeat others
    whole, batched = DistinctCounter(), DistinctCounter()
    whole.add_candidates(number_candidates(values, None))
    for batch in np.array_split(values, 7):
        batched.add_candidates(number_candidates(batch, batched.threshold))
    assert batched.estimate() == whole.estimate()
    assert abs(whole.estimate() / 80_000 - 1) < 4 / np.sqrt(CAPACITY)


_MASK = (1 << 64) - 1


def _unmix(hashed: int) -> int:
    """The key SplitMix64's output function maps to `hashed` (each of its steps inverts)."""

    def unshift(value: int, shift: int) -> int:
        key = value
        for _ in range(64 // shift + 1):
            key = value ^ (key >> shift)
        return key & _MASK

    key = unshift(hashed, 31) * pow(0x94D049BB133111EB, -1, 1 << 64) & _MASK
    key = unshift(key, 27) * pow(0xBF58476D1CE4E5B9, -1, 1 << 64) & _MASK
    return (unshift(key, 30) - 0x9E3779B97F4A7C15) & _MASK


def crafted_numbers(count: int) -> np.ndarray:
    """Numbers whose hashes, under the published seed, are tiny and share their low 16 bits:
    what someone who wants the hash set slow would feed it."""
    keys = np.array([_unmix(i << 16) ^ 0x5EED0001 for i in range(1, 2 * count)], dtype=np.uint64)
    numbers = keys.view(np.float64)
    return numbers[np.isfinite(numbers) & (numbers != 0)][:count]


def test_values_crafted_to_collide_are_counted_alike_in_every_process() -> None:
    # Where a hash sits in the set depends on a salt drawn in each process; what is kept
    # must not. Another process (another salt) finds the same candidates.
    numbers = np.concatenate([crafted_numbers(20_000), np.random.default_rng(5).random(30_000)])
    here = number_candidates(numbers, None)
    assert len(here) == CAPACITY and here[0] == 1 << 16  # the crafted hashes are the smallest
    script = (
        "import sys, numpy as np\n"
        "from batchops.monitor.distinct import number_candidates\n"
        "values = np.frombuffer(sys.stdin.buffer.read(), dtype=np.float64)\n"
        "sys.stdout.buffer.write(number_candidates(values, None).tobytes())\n"
    )
    there = subprocess.run(
        [sys.executable, "-c", script], input=numbers.tobytes(), capture_output=True, check=True
    ).stdout
    np.testing.assert_array_equal(np.frombuffer(there, dtype=np.uint64), here)
