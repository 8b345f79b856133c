"""Distances between a baseline's distribution and a batch's, as Deequ computes them.

Numbers: the L-infinity distance between the two CDFs, each read off a KLL sketch at every item
either sketch holds (the Kolmogorov-Smirnov statistic of the sketched samples). Categories: the
largest difference between a category's frequency in the baseline and in the batch.

`Simple` reports that distance as it is. `Robust` subtracts what two samples of sizes n and m
drawn from one distribution would differ by anyway, c(alpha) * sqrt((n + m) / (n m)) with
c(alpha) = 1.8 (alpha = 0.003, as Deequ), floored at 0: small batches then stop raising false
alarms, large ones keep their sensitivity.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from batchops.monitor.constraints import ROBUST
from batchops.monitor.sketches import QuantileSketch

C_ALPHA = 1.8


@dataclass(frozen=True)
class Distance:
    value: float
    """What is compared with the threshold (after the Robust correction when asked)."""
    simple: float
    """The plain L-infinity distance."""
    baseline_count: float
    batch_count: float
    method: str


def sample_noise(n: float, m: float) -> float:
    """The distance two samples of sizes n and m of one distribution may show by chance."""
    return C_ALPHA * math.sqrt((n + m) / (n * m))


def _finish(simple: float, n: float, m: float, method: str) -> Distance:
    value = max(0.0, simple - sample_noise(n, m)) if method == ROBUST else simple
    return Distance(value=value, simple=simple, baseline_count=n, batch_count=m, method=method)


def numeric_distance(baseline: QuantileSketch, batch: QuantileSketch, method: str) -> Distance:
    points = np.union1d(baseline.items, batch.items)
    simple = float(np.max(np.abs(baseline.cdf(points) - batch.cdf(points)))) if len(points) else 0.0
    return _finish(simple, baseline.count, batch.count, method)


def categorical_distance(
    baseline: Mapping[str, float],
    batch: Mapping[str, float],
    method: str,
    batch_total: float | None = None,
) -> Distance:
    """`batch_total` is needed when `batch` lists only some of the batch's values."""
    n = float(sum(baseline.values()))
    m = float(sum(batch.values())) if batch_total is None else float(batch_total)
    simple = 0.0
    for key in set(baseline) | set(batch):
        simple = max(simple, abs(baseline.get(key, 0.0) / n - batch.get(key, 0.0) / m))
    return _finish(simple, n, m, method)
