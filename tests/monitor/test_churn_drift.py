"""The churn generator's drift kinds against a baseline of its clean data.

Each kind must give exactly the violation types its documentation promises, on exactly the
affected features; clean batches of the same generator must give none (no false alarms from
sketch error or sampling noise), at 5,000 and at 100,000 rows.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from batchops.examples.churn.data import DRIFT_EFFECTS, DRIFT_KINDS, write_churn_csv
from batchops.monitor import baseline, check
from batchops.monitor.checks import EXTRA_COLUMNS, MISSING_COLUMNS


@pytest.fixture(scope="module")
def churn_baseline(tmp_path_factory: pytest.TempPathFactory):
    folder = tmp_path_factory.mktemp("churn")
    train = write_churn_csv(folder / "train.csv", 5000, seed=1)
    return baseline(train, folder / "baseline")


def _found(result) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for violation in result.violations:
        found.setdefault(violation.constraint_check_type, set()).add(violation.feature_name)
    return found


def _check(base, data: Path, out: Path, **options):
    return check(
        data,
        statistics=base.statistics_uri,
        constraints=base.constraints_uri,
        out_dir=out,
        **options,
    )


@pytest.mark.parametrize("kind", DRIFT_KINDS)
def test_each_drift_kind_gives_exactly_its_violations(
    churn_baseline, tmp_path: Path, kind: str
) -> None:
    batch = write_churn_csv(tmp_path / f"{kind}.csv", 5000, seed=2, drift=kind)
    result = _check(churn_baseline, batch, tmp_path / "out")
    expected: dict[str, set[str]] = {}
    for check_type, columns in DRIFT_EFFECTS[kind].items():
        if check_type == "missing_column_check":
            expected[check_type] = {MISSING_COLUMNS}
        elif check_type == "extra_column_check":
            expected[check_type] = {EXTRA_COLUMNS}
        else:
            expected[check_type] = set(columns)
    assert _found(result) == expected
    for violation in result.violations:  # the column-count checks name their columns
        if violation.feature_name in (MISSING_COLUMNS, EXTRA_COLUMNS):
            for column in DRIFT_EFFECTS[kind][violation.constraint_check_type]:
                assert f"'{column}'" in violation.description


@pytest.mark.parametrize("method", ["Robust", "Simple"])
def test_a_clean_batch_of_5000_rows_raises_no_alarm(
    churn_baseline, tmp_path: Path, method: str
) -> None:
    constraints = churn_baseline.constraints
    config = constraints.monitoring_config
    from dataclasses import replace

    from batchops.monitor.formats import write_json

    edited = replace(
        config,
        distribution_constraints=replace(config.distribution_constraints, comparison_method=method),
    )
    constraints_uri = write_json(
        tmp_path / "constraints.json", replace(constraints, monitoring_config=edited).to_dict()
    )
    for seed in (2, 3, 4):
        batch = write_churn_csv(tmp_path / f"clean-{seed}.csv", 5000, seed=seed)
        result = check(
            batch,
            statistics=churn_baseline.statistics_uri,
            constraints=constraints_uri,
            out_dir=tmp_path / f"out-{seed}",
        )
        assert result.violations == [], (seed, method)
        worst = max(m.get("baseline_drift", 0.0) for m in result.metrics.values())
        assert worst < 0.06  # well below the 0.1 threshold


def test_a_clean_batch_of_100000_rows_raises_no_alarm(tmp_path: Path) -> None:
    train = write_churn_csv(tmp_path / "train.csv", 100_000, seed=5)
    base = baseline(train, tmp_path / "baseline")
    batch = write_churn_csv(tmp_path / "batch.csv", 100_000, seed=6)
    result = _check(base, batch, tmp_path / "out")
    assert result.violations == []
    assert result.row_count == 100_000
    against_small = _check(
        baseline(write_churn_csv(tmp_path / "small.csv", 5000, seed=7), tmp_path / "small"),
        batch,
        tmp_path / "out-small",
    )
    assert against_small.violations == []
