"""Profiling a dataset in one streaming pass: the per-column state behind `statistics.json`.

Each column keeps bounded state however long the input: type counts, moments, min/max, a KLL
sketch, a distinct-count sketch and, while there are few enough of them, its categories and
their counts. All of it is mergeable, so parts of a large input are profiled in parallel
threads and combined; the result equals a profile made in one pass (up to the sketches'
error).

Work per batch is columnar (numpy/Arrow kernels); the only Python loops run over a batch's
distinct categories, of which there are at most `CATEGORY_LIMIT`.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from batchops.monitor.distinct import DistinctCounter
from batchops.monitor.reading import TEXT, ColumnTurnedText, Part, ReadPlan, read_batches
from batchops.monitor.sketches import SKETCH_K, QuantileSketch, StreamSketch
from batchops.monitor.statistics import (
    Bucket,
    CategoryCount,
    DatasetStatistics,
    FeatureStatistics,
    NumericalStatistics,
    StringStatistics,
)
from batchops.monitor.types import NUMERIC, STRING, UNKNOWN, TypeCounts, split_numbers, split_text

CATEGORY_LIMIT = 1000
"""Distinct values listed per String column at most (Deequ's histogram detail limit); above
it the column is high-cardinality: no `distribution`, no domain, distinct count estimated."""


@dataclass
class Moments:
    """Count, sum, mean and squared deviations, merged with Chan et al.'s parallel formula."""

    count: int = 0
    total: float = 0.0
    mean: float = 0.0
    m2: float = 0.0
    minimum: float = math.inf
    maximum: float = -math.inf

    def add(self, values: np.ndarray) -> None:
        if not len(values):
            return
        batch_mean = float(values.mean())
        deviations = values - batch_mean
        other = Moments(
            count=len(values),
            total=float(values.sum()),
            mean=batch_mean,
            m2=float(np.einsum("i,i->", deviations, deviations)),  # BLAS dot spawns threads
            minimum=float(values.min()),
            maximum=float(values.max()),
        )
        self.merge(other)

    def merge(self, other: Moments) -> None:
        if other.count == 0:
            return
        count = self.count + other.count
        delta = other.mean - self.mean
        self.m2 += other.m2 + delta * delta * self.count * other.count / count
        self.mean += delta * other.count / count
        self.count = count
        self.total += other.total
        self.minimum = min(self.minimum, other.minimum)
        self.maximum = max(self.maximum, other.maximum)

    @property
    def population_std_dev(self) -> float:
        return math.sqrt(max(self.m2, 0.0) / self.count) if self.count else 0.0


class ColumnProfile:
    """Everything kept about one column while its batches stream by."""

    def __init__(
        self, distinguish_whole: bool = True, watch: Iterable[str] = (), sketch_k: int = SKETCH_K
    ) -> None:
        self.distinguish_whole = distinguish_whole
        """Count whole numbers as Integral (the column may be Integral)."""
        self.watch = frozenset(watch)
        """Values always counted exactly, even past the category limit (a baseline's domain)."""
        self.types = TypeCounts()
        self.moments = Moments()
        self.sketch = StreamSketch(sketch_k)
        self.distinct = DistinctCounter()
        self.categories: dict[str, int] = {}
        self.categories_complete = True
        """False once the column passed the limit: `categories` then holds watched values only."""

    def add(self, array: pa.Array) -> None:
        if isinstance(array, pa.ChunkedArray):
            array = array.combine_chunks()
        if pa.types.is_floating(array.type):
            self.add_numbers(array)
        else:
            self.add_text(array)

    def add_numbers(self, array: pa.Array) -> None:
        missing = array.null_count
        if missing:
            array = array.drop_null()
        split = split_numbers(
            np.asarray(array.to_numpy(zero_copy_only=False)), self.distinguish_whole
        )
        split.counts.missing = missing
        self.types.add(split.counts)
        self._add_values(split.values)

    def _add_values(self, values: np.ndarray, distinct: np.ndarray | None = None) -> None:
        """Add numbers; `distinct` may hold just their distinct values, cheaper to hash."""
        if not len(values):
            return
        values = np.ascontiguousarray(values, dtype=np.float64)
        self.moments.add(values)
        self.sketch.update(values)
        self.distinct.update_numbers(values if distinct is None else distinct)

    def add_text(self, array: pa.Array) -> None:
        missing = array.null_count
        if missing:
            array = array.drop_null()
        self.types.missing += missing
        if not len(array):
            return
        if self.categories_complete:
            counted = pc.value_counts(array)
            self._add_weighted_text(
                counted.field("values"), np.asarray(counted.field("counts").to_numpy())
            )
        else:
            if self.watch:
                watched = pc.filter(array, pc.is_in(array, pa.array(sorted(self.watch))))
                if len(watched):
                    counted = pc.value_counts(watched)
                    self._count_categories(
                        counted.field("values"), np.asarray(counted.field("counts").to_numpy())
                    )
            split = split_text(array)
            self._add_typed_text(array, split.is_number, split.is_integer, split.numbers, None)

    def _add_weighted_text(self, values: pa.Array, counts: np.ndarray) -> None:
        split = split_text(values)
        self._add_typed_text(values, split.is_number, split.is_integer, split.numbers, counts)
        self._count_categories(values, counts)

    def _add_typed_text(
        self,
        values: pa.Array,
        is_number: np.ndarray,
        is_integer: np.ndarray,
        numbers: np.ndarray,
        counts: np.ndarray | None,
    ) -> None:
        weights = counts if counts is not None else np.ones(len(values), dtype=np.int64)
        integral = int(weights[is_integer].sum())
        numeric = int(weights[is_number].sum())
        self.types.add(
            TypeCounts(
                integral=integral,
                fractional=numeric - integral,
                text=int(weights.sum()) - numeric,
            )
        )
        if numeric:
            if counts is None:
                self._add_values(numbers)
            else:
                self._add_values(np.repeat(numbers, weights[is_number]), distinct=numbers)
        if numeric < int(weights.sum()):
            text_values = pc.filter(values, pa.array(~is_number)) if numeric else values
            self.distinct.update_strings(text_values)

    def _count_categories(self, values: pa.Array, counts: np.ndarray) -> None:
        categories = self.categories
        if self.categories_complete and len(values) > CATEGORY_LIMIT:
            self.categories_complete = False
            self.categories = categories = {k: v for k, v in categories.items() if k in self.watch}
        if self.categories_complete:
            for value, count in zip(values.to_pylist(), counts.tolist(), strict=True):
                categories[value] = categories.get(value, 0) + count
            if len(categories) > CATEGORY_LIMIT:
                self.categories = {k: v for k, v in categories.items() if k in self.watch}
                self.categories_complete = False
        else:
            for value, count in zip(values.to_pylist(), counts.tolist(), strict=True):
                if value in self.watch:
                    categories[value] = categories.get(value, 0) + count

    def merge(self, other: ColumnProfile) -> None:
        self.types.add(other.types)
        self.moments.merge(other.moments)
        self.sketch.merge(other.sketch)
        self.distinct.merge(other.distinct)
        for value, count in other.categories.items():
            self.categories[value] = self.categories.get(value, 0) + count
        if not other.categories_complete:
            self.categories_complete = False
        if self.categories_complete and len(self.categories) > CATEGORY_LIMIT:
            self.categories_complete = False
        if not self.categories_complete:
            self.categories = {k: v for k, v in self.categories.items() if k in self.watch}

    # What the checks and the statistics file read.

    @property
    def inferred_type(self) -> str:
        return self.types.inferred_type()

    def quantile_sketch(self) -> QuantileSketch | None:
        """The numbers seen (also those written as text), as a sketch; None without numbers."""
        if self.moments.count == 0:
            return None
        return self.sketch.quantile_sketch()

    def statistics(self, name: str, item_count: int) -> FeatureStatistics:
        inferred = self.inferred_type
        present, missing = self.types.present, self.types.missing
        completeness = present / item_count if item_count else 0.0
        if inferred in NUMERIC:
            sketch = self.quantile_sketch()
            assert sketch is not None
            moments = self.moments
            buckets = [Bucket(*b) for b in sketch.buckets(moments.minimum, moments.maximum)]
            numerical = NumericalStatistics(
                num_present=present,
                num_missing=missing,
                mean=moments.total / moments.count,
                sum=moments.total,
                std_dev=moments.population_std_dev,
                min=moments.minimum,
                max=moments.maximum,
                buckets=buckets,
                sketch=sketch,
                approximate_num_distinct_values=round(self.distinct.estimate()),
                completeness=completeness,
            )
            return FeatureStatistics(name, inferred, numerical=numerical)
        categories = None
        if inferred == STRING and self.categories_complete:
            ordered = sorted(self.categories.items(), key=lambda item: (-item[1], item[0]))
            categories = [CategoryCount(value, float(count)) for value, count in ordered]
        string = StringStatistics(
            num_present=present,
            num_missing=missing,
            distinct_count=float(round(self.distinct.estimate())),
            categories=categories,
            completeness=completeness,
        )
        return FeatureStatistics(name, inferred if present else UNKNOWN, string=string)


@dataclass
class ColumnOptions:
    distinguish_whole: bool = True
    watch: frozenset[str] = frozenset()


class DatasetProfile:
    """The profiles of all columns of a dataset and its row count."""

    def __init__(self, columns: Sequence[str], options: Mapping[str, ColumnOptions]) -> None:
        self.item_count = 0
        self.columns: dict[str, ColumnProfile] = {}
        for name in columns:
            option = options.get(name, ColumnOptions())
            self.columns[name] = ColumnProfile(option.distinguish_whole, option.watch)

    def add(self, batch: pa.RecordBatch) -> None:
        self.item_count += batch.num_rows
        for name, column in zip(batch.schema.names, batch.columns, strict=True):
            profile = self.columns.get(name)
            if profile is not None:
                profile.add(column)

    def merge(self, other: DatasetProfile) -> None:
        self.item_count += other.item_count
        for name, profile in other.columns.items():
            self.columns[name].merge(profile)

    def statistics(self, names: Mapping[str, str] | None = None) -> DatasetStatistics:
        """Statistics with each column under `names[column]` (its own name by default)."""
        names = names or {}
        return DatasetStatistics(
            item_count=self.item_count,
            features=[
                profile.statistics(names.get(column, column), self.item_count)
                for column, profile in self.columns.items()
            ],
        )


def profile_part(
    part: Part, plan: ReadPlan, options: Mapping[str, ColumnOptions]
) -> DatasetProfile:
    """Profile one part; start it again when a number column turns out to hold text."""
    columns = plan.include or list(plan.layout.physical_names)
    kinds = dict(plan.kinds)
    while True:
        profile = DatasetProfile(columns, options)
        try:
            for batch in read_batches(part, replace(plan, kinds=kinds)):
                profile.add(batch)
        except ColumnTurnedText as turned:
            kinds[turned.column] = TEXT
            continue
        return profile


def default_workers() -> int:
    return max(1, min(os.cpu_count() or 1, 8))


def profile_dataset(
    parts: Sequence[Part],
    plan: ReadPlan,
    options: Mapping[str, ColumnOptions],
    workers: int | None = None,
) -> DatasetProfile:
    """Profile all parts, in parallel threads when there are several and workers allow.

    Threads, not processes: the heavy work (Arrow's CSV parser, Arrow, numpy and polars
    kernels) runs outside the GIL, so threads scale about as well, without the start-up and
    pickling cost of worker processes (a profile still pickles, to travel to Dask workers).
    """
    workers = default_workers() if workers is None else max(1, workers)
    if workers == 1 or len(parts) == 1:
        results = [profile_part(part, plan, options) for part in parts]
    else:
        with ThreadPoolExecutor(min(workers, len(parts))) as pool:
            futures = [pool.submit(profile_part, part, plan, options) for part in parts]
            results = [future.result() for future in futures]
    combined = results[0]
    for result in results[1:]:
        combined.merge(result)
    return combined
