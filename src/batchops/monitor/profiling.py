"""Profiling a dataset in one streaming pass: the per-column state behind `statistics.json`.

Each column keeps bounded state however long the input: type counts, moments, min/max, a KLL
sketch, a distinct-count sketch and, while there are few enough of them, its categories and
their counts. All of it is mergeable, so parts of a large input can be profiled apart
(on Dask workers, say) and combined; the result equals a profile made in one pass (up to the
sketches' error).

A batch is added in two steps: `summarize` works out what it adds (columnar numpy and Arrow
kernels, safe in any thread), `fold` adds that to the profile (one thread at a time). The only
Python loops run over a batch's distinct categories, of which there are at most
`CATEGORY_LIMIT`.

The profile is a pure function of the data: the same input gives the same `statistics.json`,
byte for byte, with any number of workers. Files are cut into parts by their size alone
(`MAX_PARTS_PER_FILE`); each part's batches are summarized by one thread and folded into the
part's own profile in the part's order, and the parts' profiles merge in part order. Nothing
random is left: the quantile sketch compacts and thins with hashes (`kll`, `sketches`), and
what a summary adds never depends on how far the fold has got (`summaries`).
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import partial

import pyarrow as pa

from batchops.errors import InvalidInput
from batchops.monitor.distinct import DistinctCounter
from batchops.monitor.moments import Moments
from batchops.monitor.readahead import read_ahead
from batchops.monitor.reading import TEXT, ColumnTurnedText, Part, ReadPlan, read_batches
from batchops.monitor.sketches import EXACT_VALUES, QuantileSketch, StreamSketch
from batchops.monitor.statistics import (
    Bucket,
    CategoryCount,
    DatasetStatistics,
    FeatureStatistics,
    NumericalStatistics,
    StringStatistics,
)
from batchops.monitor.summaries import (
    CATEGORY_LIMIT,
    COMPARED_CATEGORIES,
    Hint,
    NumberSummary,
    TextSummary,
    count_categories,
    summarize_numbers,
    summarize_text,
)
from batchops.monitor.types import NUMERIC, STRING, UNKNOWN, TypeCounts

__all__ = [
    "CATEGORY_LIMIT",
    "MAX_PARTS_PER_FILE",
    "ColumnOptions",
    "ColumnProfile",
    "DatasetProfile",
    "profile_dataset",
]

MAX_PARTS_PER_FILE = 8
"""A large file is cut into up to this many parts (a power of two, of at least
`data.csv.MIN_PART_BYTES`), however many workers read them: the parts, and so every figure, do
not depend on the workers."""


class ColumnProfile:
    """Everything kept about one column while its batches stream by."""

    def __init__(
        self,
        distinguish_whole: bool = True,
        watch: Iterable[str] = (),
        exact_values: int = EXACT_VALUES,
        seed: int = 0,
    ) -> None:
        self.distinguish_whole = distinguish_whole
        """Count whole numbers as Integral (the column may be Integral)."""
        self.watch = frozenset(watch)
        """Values always counted exactly, even past the category limit (a baseline's domain)."""
        self.types = TypeCounts()
        self.moments = Moments()
        self.sketch = StreamSketch(exact_values=exact_values, seed=seed)
        self.distinct = DistinctCounter()
        self.categories: dict[str, int] = {}
        self.categories_complete = True
        """False once the column passed the limit: `categories` then holds watched values only."""

    @property
    def hint(self) -> Hint:
        """What a summary needs to know of this column so far (read without a lock)."""
        return Hint(
            distinguish_whole=self.distinguish_whole,
            watch=self.watch,
            counting_categories=self.categories_complete,
            categories=self._few_categories(),
            distinct_threshold=self.distinct.threshold,
            repeats=self.distinct.repeats,
            split_for_sketch=self.sketch.split,
        )

    def _few_categories(self) -> tuple[str, ...]:
        categories = self.categories  # replaced, never emptied, when listing stops
        listed = self.categories_complete and len(categories) <= COMPARED_CATEGORIES
        # tuple() copies a dict of strings without releasing the GIL: no torn read.
        return tuple(categories) if listed else ()

    def summarize(self, array: pa.Array) -> NumberSummary | TextSummary:
        """What `array` adds to this column, without adding it (safe from any thread)."""
        if isinstance(array, pa.ChunkedArray):
            array = array.combine_chunks()
        if pa.types.is_floating(array.type):
            return summarize_numbers(array, self.hint)
        return summarize_text(array, self.hint)

    def add(self, array: pa.Array) -> None:
        self.fold(self.summarize(array))

    def fold(self, summary: NumberSummary | TextSummary) -> None:
        """Add a summary of this column's batch (from one thread at a time)."""
        if isinstance(summary, NumberSummary):
            self.types.add(summary.counts)
            self._fold_numbers(summary)
            return
        if self.categories_complete and not summary.counted:
            summary = count_categories(summary, self.hint)  # the hint was stale
        self.types.add(summary.counts)
        if summary.numbers is not None:
            self._fold_numbers(summary.numbers)
        if summary.text_hashes is not None:
            self.distinct.add_candidates(summary.text_hashes)
        if summary.categories is not None:
            self._count_categories(summary.categories)
        else:
            self._stop_listing()
            self._count_categories(summary.watched)

    def _fold_numbers(self, summary: NumberSummary) -> None:
        self.moments.merge(summary.moments)
        self.sketch.add(summary.sketch)
        self.distinct.add_candidates(summary.hashes)

    def _count_categories(self, counts: Mapping[str, int]) -> None:
        categories = self.categories
        if self.categories_complete:
            for value, count in counts.items():
                categories[value] = categories.get(value, 0) + count
            if len(categories) > CATEGORY_LIMIT:
                self._stop_listing()
        else:
            for value, count in counts.items():
                if value in self.watch:
                    categories[value] = categories.get(value, 0) + count

    def _stop_listing(self) -> None:
        """Past the limit: keep counting the watched values only."""
        if self.categories_complete:
            self.categories_complete = False
            self.categories = {k: v for k, v in self.categories.items() if k in self.watch}

    def merge(self, other: ColumnProfile) -> None:
        self.types.add(other.types)
        self.moments.merge(other.moments)
        self.sketch.merge(other.sketch)
        self.distinct.merge(other.distinct)
        if not other.categories_complete:
            self._stop_listing()
        self._count_categories(other.categories)

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
            _refuse_overflow(name, moments)
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


def _refuse_overflow(name: str, moments: Moments) -> None:
    """A column whose sum, spread or range passes the largest 64-bit float has no figures
    statistics.json can hold (JSON has no infinity): say so, rather than write a broken file.
    Such numbers are most often a stand-in for a missing value."""
    figures = (moments.total, moments.m2, moments.maximum - moments.minimum)
    if not all(math.isfinite(figure) for figure in figures):
        raise InvalidInput(
            f"column '{name}': its numbers (from {moments.minimum:g} to {moments.maximum:g}) "
            f"are too large to add up, or to take their spread or range, within a 64-bit "
            f"float (at most about 1.8e308); if they stand for missing values, leave those "
            f"cells empty"
        )


@dataclass
class ColumnOptions:
    distinguish_whole: bool = True
    watch: frozenset[str] = frozenset()


@dataclass
class BatchSummary:
    rows: int
    columns: dict[str, NumberSummary | TextSummary]


class DatasetProfile:
    """The profiles of all columns of a dataset and its row count."""

    def __init__(
        self,
        columns: Sequence[str],
        options: Mapping[str, ColumnOptions],
        exact_values: int = EXACT_VALUES,
        seed: int = 0,
    ) -> None:
        """`seed`: tells apart the sketches of parts profiled apart (the part's index)."""
        self.item_count = 0
        self.columns: dict[str, ColumnProfile] = {}
        for index, name in enumerate(columns):
            option = options.get(name, ColumnOptions())
            self.columns[name] = ColumnProfile(
                option.distinguish_whole, option.watch, exact_values, seed=(seed << 16) + index
            )

    def add(self, batch: pa.RecordBatch) -> None:
        self.fold(self.summarize(batch))

    def summarize(self, batch: pa.RecordBatch) -> BatchSummary:
        """What `batch` adds, worked out without adding it (safe from any thread)."""
        columns: dict[str, NumberSummary | TextSummary] = {}
        for name, column in zip(batch.schema.names, batch.columns, strict=True):
            profile = self.columns.get(name)
            if profile is not None:
                columns[name] = profile.summarize(column)
        return BatchSummary(batch.num_rows, columns)

    def fold(self, summary: BatchSummary) -> None:
        self.item_count += summary.rows
        for name, column in summary.columns.items():
            self.columns[name].fold(column)

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
    part: Part,
    plan: ReadPlan,
    options: Mapping[str, ColumnOptions],
    exact_values: int = EXACT_VALUES,
    seed: int = 0,
) -> DatasetProfile:
    """Profile one part, reading and profiling in the caller's thread.

    `exact_values`: this part's share of the values each quantile sketch takes before it
    thins (parts profiled apart share out `EXACT_VALUES`, so splitting costs no extra work);
    `seed`: the part's index.
    """
    columns = plan.include or list(plan.layout.physical_names)
    profile = DatasetProfile(columns, options, exact_values, seed)
    for batch in read_batches(part, plan):
        profile.add(batch)
    return profile


def default_workers() -> int:
    return max(1, min(os.cpu_count() or 1, 8))


PartProfiler = Callable[
    [Sequence[Part], ReadPlan, Mapping[str, ColumnOptions]], Iterator[DatasetProfile]
]
"""Profiles each part apart and yields the parts' profiles in part order, each once it and
those before it are done, so that they merge as they come and memory follows the parts in
progress, not all parts (threads here, or Dask workers: `monitor.on_dask`)."""


def profile_dataset(
    parts: Sequence[Part],
    plan: ReadPlan,
    options: Mapping[str, ColumnOptions],
    workers: int | None = None,
    *,
    profile_parts: PartProfiler | None = None,
) -> DatasetProfile:
    """Profile all parts, each apart, and merge their profiles in part order.

    By default `workers` threads read parts and summarize their batches while the caller's
    thread folds the summaries in (`readahead` says why); `profile_parts` profiles them
    elsewhere instead (on Dask workers), with the same figures.

    When a column read as numbers turns out to hold text, in any part, every part is read
    again with that column as text: a String column's categories must count the values of
    all parts, and a part that had read them as numbers has not counted them.
    """
    kinds = dict(plan.kinds)
    while True:
        try:
            attempt = replace(plan, kinds=kinds)
            if profile_parts is None:
                profiles = _profile_parts(parts, attempt, options, workers)
            else:
                profiles = profile_parts(parts, attempt, options)
            return merge_profiles(profiles)
        except ColumnTurnedText as turned:
            kinds[turned.column] = TEXT


def part_exact_values(parts: int) -> int:
    """Each part's share of the values a quantile sketch takes before it thins."""
    return EXACT_VALUES // max(1, parts)


def merge_profiles(profiles: Iterable[DatasetProfile]) -> DatasetProfile:
    """The parts' profiles merged in part order (into the first), each as it comes."""
    coming = iter(profiles)
    combined = next(coming)
    for profile in coming:
        combined.merge(profile)
    return combined


def _profile_parts(
    parts: Sequence[Part],
    plan: ReadPlan,
    options: Mapping[str, ColumnOptions],
    workers: int | None,
) -> Iterator[DatasetProfile]:
    """Each part has its own profile, yielded in part order to be merged, as profiles coming
    back from Dask workers are.

    With several workers, each part's batches are still summarized by one reader thread and
    folded in their order (`read_ahead` keeps each source's order), so a part's profile is the
    one a single worker makes: only the interleaving of parts varies, and no part sees another.
    """
    workers = default_workers() if workers is None else max(1, workers)
    share = part_exact_values(len(parts))
    if workers == 1:
        for index, part in enumerate(parts):
            yield profile_part(part, plan, options, share, seed=index)
        return
    columns = plan.include or list(plan.layout.physical_names)
    profiles: dict[int, DatasetProfile] = {}  # the parts begun and not yet handed on
    finished: set[int] = set()

    def summaries(index: int) -> Iterator[BatchSummary]:
        profile = profiles[index] = DatasetProfile(columns, options, share, seed=index)
        for batch in read_batches(parts[index], plan):
            # Hints read while the caller folds may be stale: that costs work, and never
            # changes a figure.
            yield profile.summarize(batch)

    sources = [partial(summaries, index) for index in range(len(parts))]
    due = 0  # the next part to hand on
    for index, summary in read_ahead(sources, threads=workers, finished=finished.add):
        profiles[index].fold(summary)
        while due in finished:
            yield profiles.pop(due)
            due += 1
    while due < len(parts):
        yield profiles.pop(due)
        due += 1
