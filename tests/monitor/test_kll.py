"""Our KLL sketch: as accurate as DataSketches' KLL of the same k, mergeable, and the same
sketch every time it is given the same values."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
from datasketches import kll_doubles_sketch

from batchops.monitor.kll import SHRINKING_FACTOR, SKETCH_SIZE, KllSketch
from batchops.monitor.sketches import QuantileSketch

BOUND = kll_doubles_sketch.get_normalized_rank_error(SKETCH_SIZE, False)
"""What DataSketches states for its KLL with our k: the rank error of a query, at 99%
confidence (about 0.14%)."""

N = 2_000_000


def _distributions() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(42)
    return {
        "uniform": rng.random(N),
        "normal": rng.normal(size=N),
        "heavy tail": rng.pareto(1.1, N),
        "many duplicates": rng.integers(0, 40, N).astype(np.float64),
        "sorted": np.sort(rng.lognormal(size=N)),
    }


DISTRIBUTIONS = _distributions()


def _rank_error(sketch: KllSketch, values: np.ndarray) -> float:
    """The largest error of the sketch's normalized ranks at 199 quantiles of the values."""
    probes = np.unique(np.quantile(values, np.linspace(0.005, 0.995, 199)))
    exact = np.searchsorted(np.sort(values), probes, side="right") / len(values)
    estimated = QuantileSketch.from_kll(sketch).cdf(probes)
    return float(np.max(np.abs(estimated - exact)))


def _sketch(values: np.ndarray, batches: int, seed: int = 0) -> KllSketch:
    sketch = KllSketch(seed=seed)
    for batch in np.array_split(values, batches):
        sketch.update(batch)
    return sketch


@pytest.mark.parametrize("name", list(DISTRIBUTIONS))
def test_one_sketch_stays_within_the_datasketches_bound(name: str) -> None:
    values = DISTRIBUTIONS[name]
    sketch = _sketch(values, batches=45)
    assert sketch.n == len(values)
    assert _rank_error(sketch, values) < BOUND
    # Bounded space: about k / (1 - c) items, as Deequ's sketch keeps.
    assert sketch.retained < SKETCH_SIZE / (1 - SHRINKING_FACTOR) + 8 * len(sketch.levels)


@pytest.mark.parametrize("name", list(DISTRIBUTIONS))
def test_a_merge_of_many_sketches_stays_within_the_datasketches_bound(name: str) -> None:
    values = DISTRIBUTIONS[name]
    merged = KllSketch()
    for index, part in enumerate(np.array_split(values, 64)):
        merged.merge(_sketch(part, batches=3, seed=index))
    assert merged.n == len(values)
    assert _rank_error(merged, values) < BOUND
    assert merged.retained < SKETCH_SIZE / (1 - SHRINKING_FACTOR) + 8 * len(merged.levels)


def test_our_error_is_that_of_datasketches_kll_of_the_same_k() -> None:
    values = DISTRIBUTIONS["normal"][:500_000]
    theirs = kll_doubles_sketch(SKETCH_SIZE)
    for batch in np.array_split(values, 10):
        theirs.update(batch)
    probes = np.quantile(values, np.linspace(0.005, 0.995, 199))
    exact = np.searchsorted(np.sort(values), probes, side="right") / len(values)
    their_error = np.max(np.abs(np.asarray(theirs.get_cdf(list(probes)))[:-1] - exact))
    ours = _rank_error(_sketch(values, batches=10), values)
    assert ours < max(2 * their_error, BOUND / 2)


def test_the_same_values_give_the_same_sketch() -> None:
    values = DISTRIBUTIONS["heavy tail"][:300_000]
    one, two = _sketch(values, batches=20), _sketch(values, batches=20)
    assert QuantileSketch.from_kll(one).to_dict() == QuantileSketch.from_kll(two).to_dict()
    assert one.compactions == two.compactions and sum(one.compactions) > 0
    # Another seed compacts with other coins: another sketch, as accurate.
    other = _sketch(values, batches=20, seed=7)
    assert QuantileSketch.from_kll(other).to_dict() != QuantileSketch.from_kll(one).to_dict()
    assert _rank_error(other, values) < BOUND


def test_weight_is_kept_through_compactions_and_merges() -> None:
    values = DISTRIBUTIONS["many duplicates"][:100_001]  # odd counts leave items behind
    merged = KllSketch()
    for index, part in enumerate(np.array_split(values, 7)):
        merged.merge(_sketch(part, batches=5, seed=index))
    weights = sum(len(level) * 2**h for h, level in enumerate(merged.levels))
    assert weights == merged.n == len(values)
    sketch = QuantileSketch.from_kll(merged)
    assert sketch.count == len(values)
    assert sketch.items.min() == values.min() and sketch.items.max() == values.max()


def test_up_to_k_values_are_kept_exactly() -> None:
    values = np.random.default_rng(3).normal(size=SKETCH_SIZE)
    sketch = _sketch(values, batches=4)
    assert sketch.compactions == [0]
    assert np.array_equal(QuantileSketch.from_kll(sketch).levels[0], np.sort(values))


def test_a_sketch_travels_between_processes() -> None:
    values = DISTRIBUTIONS["uniform"][:50_000]
    sketch = _sketch(values, batches=5)
    travelled = pickle.loads(pickle.dumps(sketch))
    sketch.merge(_sketch(values, batches=5, seed=1))
    travelled.merge(_sketch(values, batches=5, seed=1))
    assert QuantileSketch.from_kll(travelled).to_dict() == QuantileSketch.from_kll(sketch).to_dict()
