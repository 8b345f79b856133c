"""Summaries made ahead of their fold (as reader threads make them) add up to the same profile."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pyarrow as pa

from batchops.monitor.profiling import CATEGORY_LIMIT, ColumnProfile
from batchops.monitor.sketches import EXACT_VALUES
from batchops.monitor.summaries import summarize_text


def _batches(rng: np.random.Generator) -> list[tuple[pa.Array, pa.Array]]:
    batches = []
    for n in range(6):
        numbers = rng.normal(size=20_000)
        numbers[::7] = np.round(numbers[::7])
        words = rng.integers(0, 3 * CATEGORY_LIMIT, 20_000).astype(str)
        words = np.where(rng.random(20_000) < 0.3 if n else False, "common", words)
        batches.append((pa.array(numbers), pa.array(words)))
    return batches


def _same(one: ColumnProfile, other: ColumnProfile) -> None:
    assert one.types == other.types
    assert one.moments.count == other.moments.count
    assert np.isclose(one.moments.m2, other.moments.m2)
    assert one.distinct.estimate() == other.distinct.estimate()
    assert one.categories_complete == other.categories_complete
    assert one.categories == other.categories
    assert one.sketch.count == other.sketch.count == one.moments.count


def test_summaries_made_from_stale_hints_fold_into_the_same_profile() -> None:
    batches = _batches(np.random.default_rng(5))
    numbers_now, words_now = ColumnProfile(), ColumnProfile(watch={"common", "7"})
    for numbers, words in batches:
        numbers_now.add(numbers)
        words_now.add(words)
    # Every summary made before any is folded: the hints all describe an empty profile.
    numbers_ahead, words_ahead = ColumnProfile(), ColumnProfile(watch={"common", "7"})
    summaries = [(numbers_ahead.summarize(n), words_ahead.summarize(w)) for n, w in batches]
    for number_summary, word_summary in summaries:
        numbers_ahead.fold(number_summary)
        words_ahead.fold(word_summary)
    _same(numbers_now, numbers_ahead)
    _same(words_now, words_ahead)
    assert not words_ahead.categories_complete
    assert set(words_ahead.categories) == {"common", "7"}


def test_a_batch_summarized_without_counting_is_counted_when_folded_into_a_listing_profile() -> (
    None
):
    crowded = ColumnProfile()
    crowded.add(pa.array([str(n) for n in range(CATEGORY_LIMIT + 1)]))
    assert not crowded.categories_complete
    summary = crowded.summarize(pa.array(["yes", "no", "yes", None]))  # not counted
    fresh = ColumnProfile()  # e.g. the profile of a part that started again
    fresh.fold(summary)
    assert fresh.categories_complete
    assert fresh.categories == {"yes": 2, "no": 1}
    assert fresh.types.missing == 1 and fresh.types.text == 3


def test_parts_share_out_the_values_sketched_at_full_weight() -> None:
    values = np.random.default_rng(3).random(3 * EXACT_VALUES)
    halves = [ColumnProfile(exact_values=EXACT_VALUES // 2) for _ in range(2)]
    for half, chunk in zip(halves, np.array_split(values, 2), strict=True):
        for batch in np.array_split(chunk, 10):
            half.add(pa.array(batch))
    halves[0].merge(halves[1])
    sketch = halves[0].sketch
    assert sketch.count == len(values)
    # About EXACT_VALUES at weight 1 in all (plus the few left at the end of each batch).
    assert EXACT_VALUES <= sketch.whole.n < EXACT_VALUES + 20 * 16


def test_a_few_known_categories_are_counted_by_comparing_and_a_new_one_still_counts() -> None:
    rng = np.random.default_rng(6)
    flags = [rng.choice(["yes", "no", "1"], 10_000) for _ in range(3)]
    flags.append(np.concatenate([flags[0][:-1], ["maybe"]]))  # unknown to the hint
    compared, hashed = ColumnProfile(), ColumnProfile()
    for batch in flags:
        array = pa.array(batch)
        compared.add(array)  # after the first batch, the hint lists yes, no and 1
        hashed.fold(summarize_text(array, replace(hashed.hint, categories=())))
    assert compared.categories == hashed.categories
    assert compared.categories["maybe"] == 1
    assert sum(compared.categories.values()) == 40_000
    assert compared.types == hashed.types
    assert compared.types.integral == sum(int((batch == "1").sum()) for batch in flags)


def test_whole_numbers_are_counted_distinct_at_any_magnitude() -> None:
    # Near zero and far from it (past 2**53, where floats are no longer every integer, and
    # past int64), below the distinct counter's capacity the count is exact.
    rng = np.random.default_rng(3)
    for start in (0.0, -(2.0**52), 2.0**60, -(2.0**70)):
        step = 1.0 if abs(start) < 2**53 else 2.0 ** (np.floor(np.log2(abs(start))) - 52)
        for count in (1, 200, 3000):
            distinct = start + step * np.arange(count)
            profile = ColumnProfile()
            for _ in range(4):
                profile.add(pa.array(rng.choice(distinct, 50_000)))
            assert profile.distinct.estimate() == len(np.unique(distinct)), (start, count)
            assert profile.types.integral == 200_000
