"""KLL sketches in Model Monitor's shape: SageMaker's (Deequ) and ours (`kll.KllSketch`)."""

from __future__ import annotations

import numpy as np
import pytest

from batchops.monitor.formats import Node
from batchops.monitor.kll import KllSketch
from batchops.monitor.sketches import QuantileSketch


def _deequ(data: list[list[float]]) -> QuantileSketch:
    node = Node({"parameters": {"c": 0.64, "k": 2048.0}, "data": data}, "$.sketch", "test")
    return QuantileSketch.from_node(node)


def test_deequ_levels_weigh_powers_of_two() -> None:
    sketch = _deequ([[4.0, 1.0], [2.0], [3.0]])  # weights 1, 1, 2, 4
    assert sketch.count == 8
    assert list(sketch.rank(np.array([0.5, 1.0, 2.0, 3.0, 4.0]))) == [0, 1, 3, 7, 8]
    assert list(sketch.rank(np.array([2.0]), inclusive=False)) == [1]
    assert list(sketch.quantiles(np.array([0.1, 0.5, 1.0]))) == [1.0, 3.0, 4.0]
    # Buckets as Deequ: [low, high) except the last, which also holds max.
    assert sketch.buckets(1.0, 4.0, count=3) == [(1.0, 2.0, 1.0), (2.0, 3.0, 2.0), (3.0, 4.0, 5.0)]


def test_round_trip_through_json_keeps_the_sketch() -> None:
    sketch = _deequ([[5.0, 1.0, 2.0], [7.0, 8.0]])
    again = QuantileSketch.from_node(Node(sketch.to_dict(), "$", "test"))
    assert (
        again.to_dict()
        == sketch.to_dict()
        == {
            "parameters": {"c": 0.64, "k": 2048.0},
            "data": [[5.0, 1.0, 2.0], [7.0, 8.0]],
        }
    )


def test_our_sketches_convert_without_losing_weight() -> None:
    rng = np.random.default_rng(0)
    values = rng.exponential(size=200_000)
    kll = KllSketch()
    for chunk in np.array_split(values, 7):
        kll.update(chunk)
    sketch = QuantileSketch.from_kll(kll)
    assert sketch.count == kll.n == len(values)
    assert (sketch.c, sketch.k) == (0.64, 2048.0)  # Deequ's parameters, as SageMaker writes
    assert sum(len(level) for level in sketch.levels) == kll.retained
    assert all((np.diff(level) >= 0).all() for level in sketch.levels)
    probes = np.quantile(values, [0.05, 0.25, 0.5, 0.75, 0.95])
    exact = np.searchsorted(np.sort(values), probes, side="right") / len(values)
    assert np.max(np.abs(sketch.cdf(probes) - exact)) < 0.0014


def test_a_bad_sketch_level_is_named_by_its_path() -> None:
    from batchops.errors import InvalidInput

    with pytest.raises(InvalidInput, match=r"test: \$\.sketch\.data\[1\]\[0\]: expected a number"):
        _deequ([[1.0], ["x"]])


def test_merged_sketches_keep_their_weight() -> None:
    rng = np.random.default_rng(1)
    values = rng.normal(size=30_000)
    merged = KllSketch()
    for index, part in enumerate(np.array_split(values, 4)):
        sketch = KllSketch(seed=index)
        for batch in np.array_split(part, 12):
            sketch.update(batch)
        merged.merge(sketch)
    converted = QuantileSketch.from_kll(merged)
    assert converted.count == merged.n == len(values)
    buckets = converted.buckets(values.min(), values.max())
    assert sum(count for _, _, count in buckets) == len(values)


def test_a_thinned_stream_is_an_unbiased_sketch_of_every_value() -> None:
    from batchops.monitor.sketches import EXACT_VALUES, THINNING, StreamSketch

    rng = np.random.default_rng(2)
    values = np.sort(rng.lognormal(size=20 * EXACT_VALUES))  # sorted: the worst order
    stream = StreamSketch()
    for batch in np.array_split(values, 40):
        stream.update(batch)
    sketch = stream.quantile_sketch()
    assert sketch.count == stream.count == len(values)
    assert stream.thinned.n == pytest.approx((len(values) - EXACT_VALUES) / THINNING, abs=40)
    probes = np.quantile(values, np.linspace(0.01, 0.99, 50))
    exact = np.searchsorted(values, probes, side="right") / len(values)
    assert np.max(np.abs(sketch.cdf(probes) - exact)) < 0.0133
