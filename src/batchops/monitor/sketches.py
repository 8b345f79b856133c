"""KLL quantile sketches: built with Apache DataSketches, stored the way Model Monitor stores them.

Model Monitor (through Deequ) writes a KLL sketch as `{"parameters": {"c", "k"}, "data": [...]}`,
where `data[i]` holds the items of compactor level i and each of them stands for 2**i values.
DataSketches' KLL keeps the same structure (levels of weight 2**i), so one representation,
`QuantileSketch`, serves both: sketches SageMaker wrote, and ours converted from DataSketches.
Ranks, CDFs and histogram buckets are computed from it the way Deequ does.

Building: one `kll_doubles_sketch.update(array)` per column and batch; the DataSketches 5.x
binding takes a whole float64 numpy array in that call (about 30 ns per value).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from batchops.monitor.formats import Node

SKETCH_K = 200
"""DataSketches' default size: normalized rank error about 1.3%, a few hundred items kept."""

DATASKETCHES_SHRINKING_FACTOR = 2.0 / 3.0
"""DataSketches shrinks level capacities by 2/3 per level; Deequ's `c` is the same knob."""

BUCKET_COUNT = 10
"""Model Monitor always materializes 10 equal-width buckets from min to max."""


def new_kll_sketch(k: int = SKETCH_K) -> Any:
    from datasketches import kll_doubles_sketch

    return kll_doubles_sketch(k)


@dataclass(frozen=True, eq=False)
class QuantileSketch:
    """A KLL sketch as compactor levels; level i items each stand for 2**i values."""

    c: float
    k: float
    levels: tuple[np.ndarray, ...]
    _sorted: tuple[np.ndarray, np.ndarray] | None = field(default=None, compare=False, repr=False)

    @classmethod
    def from_datasketches(cls, sketch: Any) -> QuantileSketch:
        """Regroup DataSketches' retained (item, weight) pairs into levels by weight."""
        by_level: dict[int, list[float]] = {}
        for item, weight in sketch:
            by_level.setdefault(int(weight).bit_length() - 1, []).append(float(item))
        depth = max(by_level, default=-1) + 1
        levels = tuple(np.asarray(by_level.get(i, []), dtype=np.float64) for i in range(depth))
        return cls(c=DATASKETCHES_SHRINKING_FACTOR, k=float(sketch.k), levels=levels)

    @classmethod
    def from_node(cls, node: Node) -> QuantileSketch:
        parameters = node.key("parameters")
        c = parameters.key("c").number()
        k = parameters.key("k").number()
        levels = []
        for level in node.key("data").items():
            items = level.value
            if not isinstance(items, list) or not all(
                type(item) is float or type(item) is int for item in items
            ):
                for item in level.items():  # find the culprit, to name it
                    item.number()
            levels.append(np.asarray(items, dtype=np.float64))
        return cls(c=c, k=k, levels=tuple(levels))

    def to_dict(self) -> dict[str, Any]:
        return {
            "parameters": {"c": self.c, "k": float(self.k)},
            "data": [level.tolist() for level in self.levels],
        }

    def _items(self) -> tuple[np.ndarray, np.ndarray]:
        """Distinct items in ascending order and their cumulative weight (inclusive rank)."""
        if self._sorted is None:
            values = np.concatenate([np.empty(0), *self.levels])
            weights = np.concatenate(
                [np.empty(0)] + [np.full(len(level), 2.0**i) for i, level in enumerate(self.levels)]
            )
            order = np.argsort(values, kind="stable")
            values, weights = values[order], weights[order]
            distinct, starts = np.unique(values, return_index=True)
            summed = np.add.reduceat(weights, starts) if len(values) else weights
            object.__setattr__(self, "_sorted", (distinct, np.cumsum(summed)))
        assert self._sorted is not None
        return self._sorted

    @property
    def count(self) -> float:
        """How many values the sketch stands for."""
        _, ranks = self._items()
        return float(ranks[-1]) if len(ranks) else 0.0

    @property
    def items(self) -> np.ndarray:
        return self._items()[0]

    def rank(self, points: np.ndarray, inclusive: bool = True) -> np.ndarray:
        """Estimated number of values <= point (or < point when not inclusive)."""
        values, ranks = self._items()
        with_zero = np.concatenate([[0.0], ranks])
        queries = np.asarray(points, dtype=np.float64)
        if inclusive:
            return with_zero[np.searchsorted(values, queries, side="right")]
        return with_zero[np.searchsorted(values, queries, side="left")]

    def cdf(self, points: np.ndarray) -> np.ndarray:
        total = self.count
        if total == 0:
            return np.zeros(len(np.asarray(points)))
        return self.rank(points) / total

    def quantiles(self, fractions: np.ndarray) -> np.ndarray:
        values, ranks = self._items()
        if not len(values):
            return np.full(len(np.asarray(fractions)), np.nan)
        targets = np.asarray(fractions, dtype=np.float64) * ranks[-1]
        index = np.minimum(np.searchsorted(ranks, targets, side="left"), len(values) - 1)
        return values[index]

    def buckets(
        self, minimum: float, maximum: float, count: int = BUCKET_COUNT
    ) -> list[tuple[float, float, float]]:
        """Equal-width buckets from min to max with Deequ's bounds and edge rules.

        Bound i is `min + (max - min) * i / count` (written this way, 0.6 * 3 stays 1.8);
        each bucket counts values in [low, high), the last one also counts max itself.
        """
        bounds = [minimum + (maximum - minimum) * i / count for i in range(count + 1)]
        below = self.rank(np.asarray(bounds), inclusive=False)
        total = self.rank(np.asarray([maximum]))[0]
        out = []
        for i in range(count):
            high_rank = total if i == count - 1 else below[i + 1]
            out.append((bounds[i], bounds[i + 1], float(high_rank - below[i])))
        return out
