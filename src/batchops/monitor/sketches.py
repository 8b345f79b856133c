"""KLL quantile sketches: built with Apache DataSketches, stored the way Model Monitor stores them.

Model Monitor (through Deequ) writes a KLL sketch as `{"parameters": {"c", "k"}, "data": [...]}`,
where `data[i]` holds the items of compactor level i and each of them stands for 2**i values.
DataSketches' KLL keeps the same structure (levels of weight 2**i), so one representation,
`QuantileSketch`, serves both: sketches SageMaker wrote, and ours converted from DataSketches.
Ranks, CDFs and histogram buckets are computed from it the way Deequ does.

Building: `kll_doubles_sketch.update(array)` per column and batch; the DataSketches 5.x
binding takes a whole float64 numpy array in that call (about 35 ns per value). That is the
largest cost of profiling, so `StreamSketch` feeds the sketch every value only for the first
`EXACT_VALUES` of a column, and beyond them one value drawn at random from each run of
`THINNING` consecutive values, kept in a second sketch whose items weigh `THINNING` times
more. Each value is then counted with its exact probability, whatever the order of the data,
so ranks stay unbiased; the extra rank error has a standard deviation of at most
sqrt(THINNING / n) / 2 (a run of THINNING values adds a variance of at most THINNING**2 / 4),
0.2% at a million values, inside KLL's own 1.3%. It also holds for parts profiled apart
that share out `EXACT_VALUES`, since merging adds the variances of independent parts.

The binding holds the GIL while it updates, so sketch updates happen in the one thread that
folds batch summaries; what they take is split off beforehand (`split_for_sketch`).
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

EXACT_VALUES = 1 << 16
"""Values of a column that all go into the sketch before thinning starts; parts of a dataset
profiled apart share them out (`StreamSketch(exact_values=...)`)."""

THINNING = 16
"""Beyond `EXACT_VALUES`, one value of each run of this many (a power of two) is sketched."""

_THINNING_LEVELS = THINNING.bit_length() - 1


def new_kll_sketch(k: int = SKETCH_K) -> Any:
    from datasketches import kll_doubles_sketch

    return kll_doubles_sketch(k)


@dataclass(frozen=True)
class SketchInput:
    """A batch of numbers as a `StreamSketch` takes it: values of weight 1, and thinned picks
    of weight `THINNING` (fresh writable arrays, as the DataSketches binding wants)."""

    exact: np.ndarray
    thinned: np.ndarray


def split_for_sketch(values: np.ndarray, room: int, random: np.random.Generator) -> SketchInput:
    """Split `values` for a sketch with `room` values left to take at weight 1.

    A figure older than the sketch's (larger) sends more values at weight 1: more work, the
    same unbiased ranks.
    """
    head, values = values[:room], values[room:]
    runs = len(values) // THINNING
    picks = random.integers(0, THINNING, runs)
    picks += np.arange(0, runs * THINNING, THINNING)
    exact = np.concatenate([head, values[runs * THINNING :]])
    return SketchInput(exact, values[picks])


class StreamSketch:
    """A mergeable quantile sketch of a column's numbers, fed a numpy batch at a time."""

    def __init__(self, k: int = SKETCH_K, exact_values: int = EXACT_VALUES) -> None:
        self.exact_values = exact_values
        self.whole = new_kll_sketch(k)
        """Every value up to `exact_values`, and the leftovers of runs; weight 1."""
        self.thinned = new_kll_sketch(k)
        """One value of each run of `THINNING`; each stands for `THINNING` values."""
        self.random = np.random.default_rng()
        self._levels: QuantileSketch | None = None
        """`quantile_sketch()` as last computed; dropped when values arrive."""

    def __getstate__(self) -> dict[str, Any]:
        return {
            "exact_values": self.exact_values,
            "whole": self.whole.serialize(),
            "thinned": self.thinned.serialize(),
        }

    def __setstate__(self, state: dict[str, Any]) -> None:
        from datasketches import kll_doubles_sketch

        self.exact_values = state["exact_values"]
        self.whole = kll_doubles_sketch.deserialize(state["whole"])
        self.thinned = kll_doubles_sketch.deserialize(state["thinned"])
        self.random = np.random.default_rng()
        self._levels = None

    def update(self, values: np.ndarray) -> None:
        """Add a float64 array (read-only ones too: what is sketched is copied first)."""
        self.add(split_for_sketch(values, self.room, self.random))

    @property
    def room(self) -> int:
        """Values still taken at weight 1 before thinning starts."""
        return max(0, self.exact_values - int(self.whole.n))

    def add(self, batch: SketchInput) -> None:
        self._levels = None
        if len(batch.exact):
            self.whole.update(batch.exact)
        if len(batch.thinned):
            self.thinned.update(batch.thinned)

    def merge(self, other: StreamSketch) -> None:
        self._levels = None
        self.whole.merge(other.whole)
        self.thinned.merge(other.thinned)

    @property
    def count(self) -> int:
        return int(self.whole.n + THINNING * self.thinned.n)

    def quantile_sketch(self) -> QuantileSketch:
        if self._levels is None:
            levels = QuantileSketch.from_datasketches(self.whole)
            if not self.thinned.is_empty():
                thinned = QuantileSketch.from_datasketches(self.thinned)
                levels = levels.joined(thinned, _THINNING_LEVELS)
            self._levels = levels
        return self._levels


@dataclass(frozen=True, eq=False)
class QuantileSketch:
    """A KLL sketch as compactor levels; level i items each stand for 2**i values."""

    c: float
    k: float
    levels: tuple[np.ndarray, ...]
    _sorted: tuple[np.ndarray, np.ndarray] | None = field(default=None, compare=False, repr=False)

    @classmethod
    def from_datasketches(cls, sketch: Any) -> QuantileSketch:
        """The weighted items of a DataSketches KLL sketch, regrouped into levels.

        The weights come from the sketch's CDF at its retained items, not from iterating it:
        the Python binding (5.2) reports weight 1 for every item once merges have emptied the
        low levels. Each distinct item's weight is written in binary, one level per bit, so
        the levels carry exactly the sketch's distribution.
        """
        if sketch.is_empty():
            return cls(c=DATASKETCHES_SHRINKING_FACTOR, k=float(sketch.k), levels=())
        retained = np.fromiter((item for item, _ in sketch), dtype=np.float64)
        items = np.unique(retained)
        ranks = np.asarray(sketch.get_cdf(items.tolist(), inclusive=True), dtype=np.float64)
        cumulative = np.rint(ranks[:-1] * sketch.n).astype(np.int64)
        weights = np.diff(cumulative, prepend=0)
        if cumulative[-1] != sketch.n or (weights < 0).any():
            raise RuntimeError("a KLL sketch's CDF does not add up to its count")
        depth = int(weights.max()).bit_length()
        levels = tuple(items[(weights >> i) & 1 == 1] for i in range(depth))
        return cls(c=DATASKETCHES_SHRINKING_FACTOR, k=float(sketch.k), levels=levels)

    def joined(self, other: QuantileSketch, shift: int) -> QuantileSketch:
        """One sketch holding both: `other`'s level i items weigh 2**(i + shift) here."""
        depth = max(len(self.levels), len(other.levels) + shift)
        empty = np.empty(0, dtype=np.float64)
        levels = []
        for i in range(depth):
            mine = self.levels[i] if i < len(self.levels) else empty
            j = i - shift
            theirs = other.levels[j] if 0 <= j < len(other.levels) else empty
            levels.append(np.concatenate([mine, theirs]) if len(theirs) else mine)
        return QuantileSketch(c=self.c, k=self.k, levels=tuple(levels))

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
