"""KLL quantile sketches: built with our own deterministic KLL, stored the way Model Monitor
stores them.

Model Monitor (through Deequ) writes a KLL sketch as `{"parameters": {"c", "k"}, "data": [...]}`,
where `data[i]` holds the items of compactor level i and each of them stands for 2**i values.
`kll.KllSketch` keeps the same structure with Deequ's parameters, so one representation,
`QuantileSketch`, serves both: sketches SageMaker wrote, and ours. Ranks, CDFs and histogram
buckets are computed from it the way Deequ does.

Sketch updates are a large cost of profiling (about 15 ns a value), so `StreamSketch` feeds
the sketch every value only for the first `EXACT_VALUES` of a column, and beyond them one value
of each run of `THINNING` consecutive values, kept in a second sketch whose items weigh
`THINNING` times more. Which value of a run is picked comes from a hash of the run's position
in the column (SplitMix64, `distinct.mix64`), so the same data is thinned alike every time;
the picks still pass as uniform, so each value is counted with its exact probability whatever
the order of the data, and ranks stay unbiased. The extra rank error has a standard deviation
of at most sqrt(THINNING / n) / 2 (a run of THINNING values adds a variance of at most
THINNING**2 / 4), 0.2% at a million values. It also holds for parts profiled apart that share
out `EXACT_VALUES`, since merging adds the variances of independent parts.

Thinning is decided where a batch is summarized (`split_for_sketch`, in a reader thread), from
how many values of the column that part's earlier batches offered: a count kept by the one
thread that summarizes the part, in the part's order, so it never depends on thread timing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from batchops.monitor.distinct import mix64
from batchops.monitor.formats import Node
from batchops.monitor.kll import KllSketch

BUCKET_COUNT = 10
"""Model Monitor always materializes 10 equal-width buckets from min to max."""

EXACT_VALUES = 1 << 16
"""Values of a column that all go into the sketch before thinning starts; parts of a dataset
profiled apart share them out (`StreamSketch(exact_values=...)`)."""

THINNING = 16
"""Beyond `EXACT_VALUES`, one value of each run of this many (a power of two) is sketched."""

_THINNING_LEVELS = THINNING.bit_length() - 1
_PICK_SHIFT = np.uint64(64 - _THINNING_LEVELS)
_SEED_STRIDE = 0xD1B54A32D192ED03
"""Spreads seeds apart in the space of hash keys (odd, so distinct seeds stay distinct)."""


@dataclass(frozen=True)
class SketchInput:
    """A batch of numbers as a `StreamSketch` takes it: values of weight 1, and thinned picks
    of weight `THINNING`."""

    exact: np.ndarray
    thinned: np.ndarray


def split_for_sketch(values: np.ndarray, offered: int, exact_values: int, seed: int) -> SketchInput:
    """Split `values` for a sketch that was offered `offered` values of its column before them.

    The first `exact_values` of the column, and the values after the last whole run of
    `THINNING`, go at weight 1; of each run of `THINNING` the value at a position hashed from
    (`seed`, where the run starts) goes at weight `THINNING`.
    """
    room = max(0, exact_values - offered)
    head, values = values[:room], values[room:]
    runs = len(values) // THINNING
    starts = np.arange(offered + room, offered + room + runs * THINNING, THINNING, dtype=np.uint64)
    starts += np.uint64((seed * _SEED_STRIDE) & 0xFFFF_FFFF_FFFF_FFFF)  # wraps around
    picks = (mix64(starts) >> _PICK_SHIFT).astype(np.intp)
    picks += np.arange(0, runs * THINNING, THINNING)
    exact = np.concatenate([head, values[runs * THINNING :]])
    return SketchInput(exact, values[picks])


class StreamSketch:
    """A mergeable quantile sketch of a column's numbers, fed a numpy batch at a time.

    `seed` tells the sketches of different parts or columns apart: their thinning picks and
    compaction coins are then independent, and each is still a pure function of its data.
    """

    def __init__(self, exact_values: int = EXACT_VALUES, seed: int = 0) -> None:
        self.exact_values = exact_values
        self.seed = seed
        self.whole = KllSketch(seed=2 * seed)
        """Every value up to `exact_values`, and the leftovers of runs; weight 1."""
        self.thinned = KllSketch(seed=2 * seed + 1)
        """One value of each run of `THINNING`; each stands for `THINNING` values."""
        self.offered = 0
        """Values split for this sketch so far (`split`), whether added yet or not."""
        self._levels: QuantileSketch | None = None
        """`quantile_sketch()` as last computed; dropped when values arrive."""

    def __getstate__(self) -> dict[str, Any]:
        state = {name: getattr(self, name) for name in ("exact_values", "seed", "offered")}
        return state | {"whole": self.whole, "thinned": self.thinned}

    def __setstate__(self, state: dict[str, Any]) -> None:
        for name, value in state.items():
            setattr(self, name, value)
        self._levels = None

    def split(self, values: np.ndarray) -> SketchInput:
        """`values` split as this sketch takes them next (from the thread that summarizes the
        column's batches, in their order; `add` may come later, from another thread)."""
        split = split_for_sketch(values, self.offered, self.exact_values, self.seed)
        self.offered += len(values)
        return split

    def update(self, values: np.ndarray) -> None:
        """Add a float64 array."""
        self.add(self.split(values))

    def add(self, batch: SketchInput) -> None:
        self._levels = None
        self.whole.update(batch.exact)
        self.thinned.update(batch.thinned)

    def merge(self, other: StreamSketch) -> None:
        self._levels = None
        self.whole.merge(other.whole)
        self.thinned.merge(other.thinned)

    @property
    def count(self) -> int:
        return self.whole.n + THINNING * self.thinned.n

    def quantile_sketch(self) -> QuantileSketch:
        """Both sketches as one: the thinned one's items `_THINNING_LEVELS` levels up, compacted
        into the capacity of one sketch (what `statistics.json` holds stays Deequ's size)."""
        if self._levels is None:
            combined = self.whole
            if not self.thinned.is_empty():
                combined = self.whole.copy()
                combined.merge(self.thinned, shift=_THINNING_LEVELS)
            self._levels = QuantileSketch.from_kll(combined)
        return self._levels


@dataclass(frozen=True, eq=False)
class QuantileSketch:
    """A KLL sketch as compactor levels; level i items each stand for 2**i values."""

    c: float
    k: float
    levels: tuple[np.ndarray, ...]
    _sorted: tuple[np.ndarray, np.ndarray] | None = field(default=None, compare=False, repr=False)

    @classmethod
    def from_kll(cls, sketch: KllSketch) -> QuantileSketch:
        """A copy of the sketch's levels, each in ascending order, without empty top levels."""
        levels = sketch.sorted_levels() if not sketch.is_empty() else []
        while levels and not len(levels[-1]):
            levels.pop()
        return cls(c=sketch.c, k=float(sketch.k), levels=tuple(levels))

    @classmethod
    def from_node(cls, node: Node) -> QuantileSketch:
        parameters = node.key("parameters")
        c = parameters.key("c").number()
        k = parameters.key("k").number()
        levels = []
        for level in node.key("data").items():
            items = level.value
            if not isinstance(items, list) or not set(map(type, items)) <= {float, int}:
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
