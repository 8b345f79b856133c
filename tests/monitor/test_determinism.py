"""Same input, same output: teams diff `statistics.json` and `constraint_violations.json` in
review and in CI, so a baseline or a check run again on the same data, with the same settings,
must write the same bytes, and with more workers the same figures."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pytest

from batchops.monitor import baseline, check, reading
from batchops.monitor.dataset import probe_input, resolve_input
from batchops.monitor.profiling import CATEGORY_LIMIT, ColumnOptions, ColumnProfile, profile_dataset
from batchops.monitor.reading import ReadPlan

from .conftest import write_csv

ROWS = 120_000
"""More than `EXACT_VALUES` per column, so the quantile sketches thin and compact."""

BLOCK = 1 << 16
"""Bytes per batch: many batches, so reader threads run ahead of the fold."""


def _columns(rng: np.random.Generator, rows: int, shift: float = 0.0) -> dict[str, Any]:
    x = rng.normal(shift, 1.0, rows)
    missing = rng.random(rows) < 0.05
    mixed = rng.integers(0, 500, rows).astype(str).astype(object)
    mixed[rng.random(rows) < 0.01] = "n/a"  # numbers as text, and some text
    mixed[: rows // 2][mixed[: rows // 2] == "n/a"] = "0"  # text only in the second half
    return {
        "x": [None if m else v for v, m in zip(x.tolist(), missing.tolist(), strict=True)],
        "count": rng.poisson(3 + shift, rows),
        "amount": rng.lognormal(shift, 2.0, rows),
        "plan": rng.choice(["basic", "plus", "pro", "team"], rows, p=[0.4, 0.3, 0.2, 0.1]),
        "code": rng.integers(0, 3 * CATEGORY_LIMIT, rows).astype(str),  # high-cardinality
        "mixed": mixed.astype(str),
    }


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("determinism")
    return write_csv(folder / "train.csv", _columns(np.random.default_rng(1), ROWS))


@pytest.fixture(scope="module")
def drifted(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("drifted")
    return write_csv(folder / "batch.csv", _columns(np.random.default_rng(2), ROWS, shift=0.3))


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder of several files: each file a part."""
    folder = tmp_path_factory.mktemp("folder")
    rng = np.random.default_rng(3)
    for index in range(3):
        write_csv(folder / f"part-{index}.csv", _columns(rng, ROWS // 3, shift=0.1 * index))
    return folder


def _bytes(result: Any) -> tuple[bytes, bytes]:
    return Path(result.statistics_uri).read_bytes(), Path(result.constraints_uri).read_bytes()


def _baseline(data: Path, out: Path, workers: int) -> Any:
    return baseline(data, out, workers=workers, block_size=BLOCK)


def _assert_same_figures(one: dict[str, Any], other: dict[str, Any]) -> None:
    """Counts, buckets, distinct counts and categories equal; moments within 1e-12."""
    assert one["dataset"] == other["dataset"]
    assert len(one["features"]) == len(other["features"])
    for a, b in zip(one["features"], other["features"], strict=True):
        assert (a["name"], a["inferred_type"]) == (b["name"], b["inferred_type"])
        if "numerical_statistics" in a:
            a, b = a["numerical_statistics"], b["numerical_statistics"]
            assert a["common"] == b["common"]
            assert a["approximate_num_distinct_values"] == b["approximate_num_distinct_values"]
            for key in ("mean", "sum", "std_dev", "min", "max"):
                assert a[key] == pytest.approx(b[key], rel=1e-12, abs=1e-300), key
            assert a["distribution"] == b["distribution"]  # buckets and sketch
        else:
            assert a["string_statistics"] == b["string_statistics"]


@pytest.mark.parametrize("workers", [1, 2])
def test_baselining_a_file_twice_writes_the_same_bytes(
    data: Path, tmp_path: Path, workers: int
) -> None:
    first = _baseline(data, tmp_path / "first", workers)
    second = _baseline(data, tmp_path / "second", workers)
    assert _bytes(first) == _bytes(second)
    types = {f.name: f.inferred_type for f in first.statistics.features}
    assert types == {
        "x": "Fractional",
        "count": "Integral",
        "amount": "Fractional",
        "plan": "String",
        "code": "Integral",
        "mixed": "String",
    }


def test_one_or_two_workers_give_the_same_figures(data: Path, tmp_path: Path) -> None:
    one = _baseline(data, tmp_path / "one", workers=1)
    two = _baseline(data, tmp_path / "two", workers=2)
    _assert_same_figures(one.statistics.to_dict(), two.statistics.to_dict())
    assert _bytes(one)[1] == _bytes(two)[1]  # constraints


@pytest.mark.parametrize("workers", [1, 2])
def test_a_folder_of_files_baselines_to_the_same_bytes(
    folder: Path, tmp_path: Path, workers: int
) -> None:
    first = _baseline(folder, tmp_path / "first", workers)
    assert _bytes(first) == _bytes(_baseline(folder, tmp_path / "second", workers))
    other = _baseline(folder, tmp_path / "other", 3 - workers)
    _assert_same_figures(first.statistics.to_dict(), other.statistics.to_dict())


def test_a_file_cut_into_parts_profiles_alike_with_one_or_two_workers(data: Path) -> None:
    source = resolve_input(data, True, (), None, None)
    kinds, integers = probe_input(source)
    plan = ReadPlan(source.layout, kinds, include=source.included, block_size=BLOCK)
    options = {name: ColumnOptions(name in integers) for name in source.included}
    parts = reading.split_parts(source.files, 4, min_part_bytes=1)
    assert len(parts) == 4
    figures = [
        profile_dataset(parts, plan, options, workers).statistics().to_dict()
        for workers in (1, 2, 2, 1, 2)
    ]
    # The text in the second half of `mixed` turned it to String, in a later part: read again.
    assert [f["inferred_type"] for f in figures[0]["features"]][-1] == "String"
    for other in figures[1:]:
        assert json.dumps(other) == json.dumps(figures[0])


def test_summaries_made_ahead_of_the_fold_add_the_same_figures() -> None:
    """A reader thread may summarize a batch before or after the fold of the one before it:
    either way the figures must come out the same, to the last bit."""
    rng = np.random.default_rng(4)
    batches = []
    for n in range(8):
        numbers = rng.lognormal(size=30_000)
        # Numbers written as text, more of them than the category limit: the later batches'
        # summaries count them or not, depending on how far the fold has got.
        digits = (rng.integers(0, 3 * CATEGORY_LIMIT // 2, 30_000) * 0.25).astype(str)
        words = rng.integers(0, 600, 30_000).astype(str).astype(object)
        words[rng.random(30_000) < 0.02 * n] = "text"  # numbers, then text among them
        batches.append(tuple(pa.array(a) for a in (numbers, digits, words.astype(str))))

    def profiles(ahead: bool) -> list[dict[str, Any]]:
        columns = [ColumnProfile(seed=1), ColumnProfile(seed=2), ColumnProfile(watch={"text"})]
        if ahead:
            summaries = [[c.summarize(a) for c, a in zip(columns, b, strict=True)] for b in batches]
            for summary in summaries:
                for column, part in zip(columns, summary, strict=True):
                    column.fold(part)
        else:
            for batch in batches:
                for column, array in zip(columns, batch, strict=True):
                    column.add(array)
        return [c.statistics("c", 8 * 30_000).to_dict() for c in columns]

    now, ahead = profiles(ahead=False), profiles(ahead=True)
    assert json.dumps(now) == json.dumps(ahead)
    assert [p["inferred_type"] for p in ahead] == ["Fractional", "Fractional", "String"]


def _drift(result: Any) -> dict[str, float]:
    return {f.name: f.drift.value for f in result.outcome.features if f.drift is not None}


def test_checking_a_batch_three_times_finds_the_same_violations_and_distances(
    data: Path, drifted: Path, tmp_path: Path
) -> None:
    base = _baseline(data, tmp_path / "base", workers=2)
    runs = []
    for run, workers in enumerate((2, 2, 2, 1)):
        runs.append(
            check(
                drifted,
                statistics=base.statistics_uri,
                constraints=base.constraints_uri,
                out_dir=tmp_path / f"check-{run}",
                workers=workers,
                block_size=BLOCK,
            )
        )
    violations = [Path(r.violations_uri).read_bytes() for r in runs]
    assert violations[0] == violations[1] == violations[2] == violations[3]
    assert Path(runs[0].statistics_uri).read_bytes() == Path(runs[1].statistics_uri).read_bytes()
    distances = [_drift(r) for r in runs]
    assert distances[0] == distances[1] == distances[2] == distances[3]
    assert {"x", "count", "amount", "plan"} <= set(distances[0])
    assert "x" in {v.feature_name for v in runs[0].violations}  # the shift is found
