"""Drift kinds: each changes exactly the columns DRIFT_EFFECTS names; clean data does not."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl
import pytest

from batchops.examples.churn import DRIFT_EFFECTS, DRIFT_KINDS, write_churn_csv

ROWS = 4000
SEED = 21
NUMERIC = [
    "Account Length", "Area Code", "VMail Message", "Day Mins", "Day Calls", "Day Charge",
    "Eve Mins", "Eve Calls", "Eve Charge", "Night Mins", "Night Calls", "Night Charge",
    "Intl Mins", "Intl Calls", "Intl Charge", "CustServ Calls",
]  # fmt: skip
CATEGORICAL = ["State", "Int'l Plan", "VMail Plan", "Churn?"]


def _text(path: Path) -> pl.DataFrame:
    return pl.read_csv(path, infer_schema=False)


@pytest.fixture(scope="module")
def clean(tmp_path_factory: pytest.TempPathFactory) -> pl.DataFrame:
    return _text(write_churn_csv(tmp_path_factory.mktemp("clean") / "c.csv", ROWS, seed=SEED))


def _drifted(tmp_path: Path, kind: str) -> pl.DataFrame:
    return _text(write_churn_csv(tmp_path / f"{kind}.csv", ROWS, seed=SEED, drift=kind))


def _ks(a: np.ndarray, b: np.ndarray) -> float:
    """Largest distance between the two empirical CDFs (two-sample Kolmogorov-Smirnov)."""
    points = np.concatenate([a, b])
    cdf_a = np.searchsorted(np.sort(a), points, side="right") / a.size
    cdf_b = np.searchsorted(np.sort(b), points, side="right") / b.size
    return float(np.abs(cdf_a - cdf_b).max())


def _linf(a: pl.Series, b: pl.Series) -> float:
    shares_a = a.value_counts(normalize=True).rows()
    shares_b = dict(b.value_counts(normalize=True).rows())
    values = dict(shares_a)
    keys = set(values) | set(shares_b)
    return max(abs(values.get(k, 0.0) - shares_b.get(k, 0.0)) for k in keys)


def test_every_kind_is_documented() -> None:
    assert set(DRIFT_EFFECTS) == set(DRIFT_KINDS)
    assert set(DRIFT_KINDS) >= {
        "shift", "new-category", "missing", "drop-column", "extra-column", "text-in-numeric", "mix",
    }  # fmt: skip
    assert sum(len(checks) for checks in DRIFT_EFFECTS["mix"].values()) >= 3


def test_a_clean_batch_of_another_seed_looks_the_same(tmp_path: Path, clean: pl.DataFrame) -> None:
    other = _text(write_churn_csv(tmp_path / "other.csv", ROWS, seed=SEED + 1))
    for column in NUMERIC:
        a = clean[column].cast(pl.Float64).to_numpy()
        b = other[column].cast(pl.Float64).to_numpy()
        assert _ks(a, b) < 0.05, column
    for column in CATEGORICAL:
        assert _linf(clean[column], other[column]) < 0.05, column


@pytest.mark.parametrize("kind", DRIFT_KINDS)
def test_each_kind_changes_only_the_columns_it_names(
    tmp_path: Path, clean: pl.DataFrame, kind: str
) -> None:
    drifted = _drifted(tmp_path, kind)
    effects = DRIFT_EFFECTS[kind]
    affected = {column for columns in effects.values() for column in columns}
    assert drifted.height == clean.height
    for column in clean.columns:
        if column not in affected:
            assert drifted[column].equals(clean[column]), f"{kind} changed {column}"

    for column in effects.get("baseline_drift_check", []):
        before = clean[column].cast(pl.Float64).to_numpy()
        after = drifted[column].cast(pl.Float64, strict=False).to_numpy()
        present = ~np.isnan(after)
        assert _ks(before, after[present]) > 0.8, column
        # a shift of several standard deviations, the same for every row
        moved = after[present] - before[present]
        assert np.ptp(moved) < 1e-9 and moved[0] > 3 * before.std(), column

    for column in effects.get("categorical_values_check", []):
        unseen = ~drifted[column].is_in(clean[column].unique().to_list()).fill_null(True)
        unseen &= drifted[column].is_not_null()
        assert 0.15 < unseen.mean() < 0.35, column  # type: ignore[operator]
        # and no single new value is common enough to look like a frequency drift
        new_values = drifted.filter(unseen)[column].value_counts()["count"]
        assert new_values.max() / ROWS < 0.1  # type: ignore[operator]

    for column in effects.get("completeness_check", []):
        assert clean[column].null_count() == 0
        assert 0.15 < drifted[column].null_count() / ROWS < 0.25, column
        if column not in effects.get("categorical_values_check", []):
            kept = drifted[column].is_not_null()
            assert drifted.filter(kept)[column].equals(clean.filter(kept)[column])

    for column in effects.get("missing_column_check", []):
        assert column in clean.columns and column not in drifted.columns

    for column in effects.get("extra_column_check", []):
        assert column not in clean.columns and drifted.columns[-1] == column

    for column in effects.get("data_type_check", []):
        numbers = drifted[column].cast(pl.Float64, strict=False)
        not_numbers = numbers.is_null() & drifted[column].is_not_null()
        assert 0.1 < not_numbers.mean() < 0.25, column  # type: ignore[operator]
        assert clean[column].cast(pl.Float64, strict=False).null_count() == 0


def test_the_drift_is_the_same_for_the_same_seed(tmp_path: Path) -> None:
    a = write_churn_csv(tmp_path / "a.csv", 500, seed=2, drift="mix").read_bytes()
    b = write_churn_csv(tmp_path / "b.csv", 500, seed=2, drift="mix").read_bytes()
    assert a == b
