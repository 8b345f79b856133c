"""Each check on data we make: when it fires, on which feature, and what it says."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from batchops.errors import JobFailed
from batchops.monitor import baseline, check
from batchops.monitor.drift import numeric_distance, sample_noise
from batchops.monitor.kll import KllSketch
from batchops.monitor.sketches import QuantileSketch

from .conftest import write_csv

ROWS = 4000


def _data(rng: np.random.Generator, rows: int = ROWS, shift: float = 0.0) -> dict[str, object]:
    return {
        "amount": rng.normal(50 + shift, 10, rows),
        "count": rng.integers(0, 20, rows),
        "plan": rng.choice(["basic", "plus", "pro"], rows, p=[0.6, 0.3, 0.1]),
    }


@pytest.fixture
def base(tmp_path: Path):
    path = write_csv(tmp_path / "train.csv", _data(np.random.default_rng(1)))
    return baseline(path, tmp_path / "baseline")


def _check(base, path: Path, out: Path, **options):
    return check(
        path,
        statistics=base.statistics_uri,
        constraints=base.constraints_uri,
        out_dir=out,
        **options,
    )


def _found(result) -> set[tuple[str, str]]:
    return {(v.feature_name, v.constraint_check_type) for v in result.violations}


def test_same_distribution_passes_and_writes_every_output(base, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "batch.csv", _data(np.random.default_rng(2)))
    result = _check(base, path, tmp_path / "out")
    assert result.violations == []
    out = tmp_path / "out"
    for name in ("statistics.json", "constraint_violations.json", "metrics.json", "report.html"):
        assert (out / name).is_file(), name
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["dataset_item_count"] == ROWS
    for feature in ("amount", "count", "plan"):
        assert metrics[f"feature_completeness_{feature}"] == 1.0
        assert metrics[f"feature_data_type_share_{feature}"] == 1.0
        assert 0.0 <= metrics[f"feature_baseline_drift_{feature}"] < 0.1
    assert result.metric_values == metrics


def test_a_shift_is_baseline_drift_on_that_feature_only(base, tmp_path: Path) -> None:
    data = _data(np.random.default_rng(3))
    data["amount"] = np.asarray(data["amount"]) + 5.0  # half a standard deviation
    result = _check(base, write_csv(tmp_path / "b.csv", data), tmp_path / "out")
    assert _found(result) == {("amount", "baseline_drift_check")}
    description = result.violations[0].description
    distance = result.metrics["amount"]["baseline_drift"]
    assert f"{distance:.4g}" in description and "threshold: 0.1" in description
    assert "'amount'" in description and "Robust" in description


def test_missing_values_break_completeness(base, tmp_path: Path) -> None:
    data = _data(np.random.default_rng(4))
    counts = list(np.asarray(data["count"]))
    for i in range(0, ROWS, 50):
        counts[i] = None
    data["count"] = counts
    result = _check(base, write_csv(tmp_path / "b.csv", data), tmp_path / "out")
    assert _found(result) == {("count", "completeness_check")}
    assert result.violations[0].description == (
        "Data completeness requirement is not met for feature 'count'. Expected: 100.0%. "
        f"Observed: Only 98.0% (80 of {ROWS} values missing)."
    )


def test_text_in_a_number_column_breaks_the_data_type(base, tmp_path: Path) -> None:
    data = _data(np.random.default_rng(5))
    counts = [str(v) for v in np.asarray(data["count"])]
    counts[-10:] = ["lots"] * 10  # in the last block only
    data["count"] = counts
    result = _check(base, write_csv(tmp_path / "b.csv", data), tmp_path / "out", block_size=4096)
    assert _found(result) == {("count", "data_type_check")}
    share = result.metrics["count"]["data_type_share"]
    assert share == pytest.approx((ROWS - 10) / ROWS)
    assert "Only 99.8% (3990 Integral, 10 String of 4000" in result.violations[0].description
    assert "Integral" in result.violations[0].description


def test_decimals_in_an_integral_column_break_the_data_type(base, tmp_path: Path) -> None:
    data = _data(np.random.default_rng(6))
    data["count"] = np.asarray(data["count"]) + np.where(np.arange(ROWS) < 100, 0.5, 0.0)
    result = _check(base, write_csv(tmp_path / "b.csv", data), tmp_path / "out")
    assert ("count", "data_type_check") in _found(result)


def test_integers_in_a_fractional_column_are_fine(base, tmp_path: Path) -> None:
    data = _data(np.random.default_rng(7))
    data["amount"] = np.round(np.asarray(data["amount"]))  # written as 50, 61, ...
    result = _check(base, write_csv(tmp_path / "b.csv", data), tmp_path / "out")
    assert result.violations == []


def test_a_new_category_breaks_the_domain(base, tmp_path: Path) -> None:
    data = _data(np.random.default_rng(8))
    plans = np.asarray(data["plan"]).astype(object)
    plans[:40] = "enterprise"
    data["plan"] = plans.astype(str)
    result = _check(base, write_csv(tmp_path / "b.csv", data), tmp_path / "out")
    assert _found(result) == {("plan", "categorical_values_check")}
    description = result.violations[0].description
    assert "'enterprise'" in description and "99.0%" in description and "100.0%" in description


def test_a_changed_mix_of_categories_is_categorical_drift(base, tmp_path: Path) -> None:
    rng = np.random.default_rng(9)
    data = _data(rng)
    data["plan"] = rng.choice(["basic", "plus", "pro"], ROWS, p=[0.3, 0.3, 0.4])
    result = _check(base, write_csv(tmp_path / "b.csv", data), tmp_path / "out")
    assert _found(result) == {("plan", "baseline_drift_check")}
    assert result.metrics["plan"]["baseline_drift"] > 0.2


def test_missing_and_extra_columns_are_reported_with_both_counts(base, tmp_path: Path) -> None:
    data = _data(np.random.default_rng(10))
    del data["count"]
    data["note"] = ["x"] * ROWS
    data["score"] = np.ones(ROWS)
    result = _check(base, write_csv(tmp_path / "b.csv", data), tmp_path / "out")
    assert _found(result) == {
        ("Missing columns", "missing_column_check"),
        ("Extra columns", "extra_column_check"),
    }
    by_type = {v.constraint_check_type: v.description for v in result.violations}
    assert by_type["missing_column_check"] == (
        "There are missing columns in current dataset. Number of columns in current dataset: 4, "
        "Number of columns in baseline constraints: 3. Missing: 'count'."
    )
    assert "Extra: 'note', 'score'." in by_type["extra_column_check"]


def test_ignored_columns_are_not_extra(base, tmp_path: Path) -> None:
    data = _data(np.random.default_rng(11))
    data["label"] = np.zeros(ROWS)
    path = write_csv(tmp_path / "b.csv", data)
    result = _check(base, path, tmp_path / "out", ignore_columns=["label", "not-there"])
    assert result.violations == []


def test_headerless_batches_follow_a_headerless_baseline(tmp_path: Path) -> None:
    rng = np.random.default_rng(12)
    train = write_csv(tmp_path / "train.csv", _data(rng), header=False)
    base = baseline(train, tmp_path / "base")
    assert [f.name for f in base.statistics.features] == ["_c0", "_c1", "_c2"]
    same = write_csv(tmp_path / "same.csv", _data(rng), header=False)
    assert _check(base, same, tmp_path / "o1").violations == []
    narrower = _data(rng)
    del narrower["plan"]
    result = _check(base, write_csv(tmp_path / "n.csv", narrower, header=False), tmp_path / "o2")
    assert _found(result) == {("Missing columns", "missing_column_check")}
    assert "'_c2'" in result.violations[0].description


def test_headerless_batches_take_a_named_baseline_s_names_by_position(base, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "h.csv", _data(np.random.default_rng(13)), header=False)
    result = _check(base, path, tmp_path / "out", header=False)
    assert result.violations == []
    assert [f.name for f in result.statistics.features] == ["amount", "count", "plan"]


def test_a_headerless_batch_is_recognised_against_a_named_baseline(base, tmp_path: Path) -> None:
    """Batch-transform inputs come without a header even when the baseline had one: a first
    row of data that names no feature is not taken for a header."""
    data = _data(np.random.default_rng(13))
    path = write_csv(tmp_path / "h.csv", data, header=False)
    result = _check(base, path, tmp_path / "out")
    assert result.violations == [] and result.row_count == len(data["amount"])
    with_header = _check(base, write_csv(tmp_path / "n.csv", data), tmp_path / "o2")
    assert with_header.violations == [] and with_header.row_count == result.row_count


def test_fail_on_violation_raises_after_writing_everything(base, tmp_path: Path) -> None:
    data = _data(np.random.default_rng(14), shift=20)
    with pytest.raises(JobFailed, match="baseline_drift_check"):
        _check(base, write_csv(tmp_path / "b.csv", data), tmp_path / "out", fail_on_violation=True)
    written = json.loads((tmp_path / "out" / "constraint_violations.json").read_text())
    assert written["violations"][0]["feature_name"] == "amount"
    assert (tmp_path / "out" / "report.html").is_file()


def test_monitoring_config_switches_and_overrides(base, tmp_path: Path) -> None:
    constraints = json.loads(Path(base.constraints_uri).read_text())
    data = _data(np.random.default_rng(15), shift=20)
    counts = [str(v) for v in np.asarray(data["count"])]
    counts[0] = "many"
    data["count"] = counts
    path = write_csv(tmp_path / "b.csv", data)

    def run(name: str) -> set[tuple[str, str]]:
        edited = tmp_path / f"{name}.json"
        edited.write_text(json.dumps(constraints))
        return _found(
            check(
                path,
                statistics=base.statistics_uri,
                constraints=edited,
                out_dir=tmp_path / name,
            )
        )

    assert run("all") == {("amount", "baseline_drift_check"), ("count", "data_type_check")}
    constraints["monitoring_config"]["distribution_constraints"]["perform_comparison"] = "Disabled"
    assert run("no-drift") == {("count", "data_type_check")}
    constraints["monitoring_config"]["evaluate_constraints"] = "Disabled"
    assert run("nothing") == set()
    constraints["monitoring_config"]["evaluate_constraints"] = "Enabled"
    count = next(f for f in constraints["features"] if f["name"] == "count")
    count["monitoringConfigOverrides"] = {"datatype_check_threshold": 0.5}
    assert run("override") == set()


def test_robust_distance_subtracts_the_noise_of_two_samples() -> None:
    rng = np.random.default_rng(16)
    sketches = []
    for values in (rng.normal(size=2000), rng.normal(0.3, 1, size=3000)):
        sketch = KllSketch()
        sketch.update(values)
        sketches.append(QuantileSketch.from_kll(sketch))
    simple = numeric_distance(sketches[0], sketches[1], "Simple")
    robust = numeric_distance(sketches[0], sketches[1], "Robust")
    assert simple.value == simple.simple == robust.simple
    assert robust.value == pytest.approx(simple.value - sample_noise(2000, 3000))
    assert sample_noise(2000, 3000) == pytest.approx(1.8 * np.sqrt(5000 / 6e6))
    # The KS statistic of N(0,1) vs N(0.3,1) is about 0.12.
    assert simple.value == pytest.approx(0.12, abs=0.04)


def test_a_string_column_that_mixed_numbers_accepts_them(tmp_path: Path) -> None:
    rng = np.random.default_rng(17)
    codes = ["A1", "B2", "100", "200"]
    train = write_csv(tmp_path / "t.csv", {"code": rng.choice(codes, 1000)})
    base = baseline(train, tmp_path / "base")
    assert base.statistics.feature("code").inferred_type == "String"
    batch = write_csv(tmp_path / "b.csv", {"code": rng.choice(codes, 1000)})
    assert _check(base, batch, tmp_path / "out").violations == []
    numbers_only = write_csv(tmp_path / "n.csv", {"code": rng.choice(["100", "200"], 1000)})
    found = _found(_check(base, numbers_only, tmp_path / "out2"))
    assert ("code", "data_type_check") not in found
    assert ("code", "baseline_drift_check") in found  # half the categories vanished


def test_a_headerless_batch_of_another_width_is_missing_and_extra_columns(
    base, tmp_path: Path
) -> None:
    """Against named features, position says nothing once the counts differ."""
    rng = np.random.default_rng(18)
    with_label = {"label": rng.integers(0, 2, ROWS), **_data(rng)}
    path = write_csv(tmp_path / "scored.csv", with_label, header=False)
    result = _check(base, path, tmp_path / "out", header=False)
    assert _found(result) == {
        ("Missing columns", "missing_column_check"),
        ("Extra columns", "extra_column_check"),
    }
    by_type = {v.constraint_check_type: v.description for v in result.violations}
    assert "Missing: 'amount', 'count', 'plan'." in by_type["missing_column_check"]
    assert "Extra: '_c0', '_c1', '_c2', '_c3'." in by_type["extra_column_check"]
    counts = "current dataset: 4, Number of columns in baseline constraints: 3"
    assert counts in by_type["extra_column_check"]
    # Ignoring the label makes the counts agree: the baseline's names apply by position.
    again = _check(base, path, tmp_path / "out2", header=False, ignore_columns=["_c0"])
    assert again.violations == []
    assert [f.name for f in again.statistics.features] == ["amount", "count", "plan"]


def test_an_ignored_column_is_left_out_of_the_baseline_too(tmp_path: Path) -> None:
    rng = np.random.default_rng(19)
    train = write_csv(tmp_path / "train.csv", {**_data(rng), "label": rng.integers(0, 2, ROWS)})
    base = baseline(train, tmp_path / "base")
    unlabelled = write_csv(tmp_path / "batch.csv", _data(rng))  # scoring data: no label yet
    assert _found(_check(base, unlabelled, tmp_path / "o1")) == {
        ("Missing columns", "missing_column_check")
    }
    result = _check(base, unlabelled, tmp_path / "o2", ignore_columns=["label"])
    assert result.violations == []
    assert "label" not in result.metrics


def test_a_headerless_batch_with_an_extra_last_column_against_a_headerless_baseline(
    tmp_path: Path,
) -> None:
    rng = np.random.default_rng(20)
    base = baseline(write_csv(tmp_path / "t.csv", _data(rng), header=False), tmp_path / "base")
    wider = write_csv(tmp_path / "w.csv", {**_data(rng), "more": np.ones(ROWS)}, header=False)
    result = _check(base, wider, tmp_path / "out")  # header=None follows the baseline
    assert _found(result) == {("Extra columns", "extra_column_check")}
    assert "Extra: '_c3'." in result.violations[0].description
    assert set(result.metrics) == {"_c0", "_c1", "_c2", "_c3"}


def _run_with_config(base, path: Path, out: Path, edit) -> set[tuple[str, str]]:
    constraints = json.loads(Path(base.constraints_uri).read_text())
    edit(constraints["monitoring_config"])
    edited = out.with_suffix(".json")
    edited.write_text(json.dumps(constraints))
    return _found(check(path, statistics=base.statistics_uri, constraints=edited, out_dir=out))


def test_each_threshold_of_the_monitoring_config_is_honoured(base, tmp_path: Path) -> None:
    rng = np.random.default_rng(21)
    data = _data(rng)
    data["amount"] = np.asarray(data["amount"]) + 8.0  # far: drift under any method
    counts = [str(v) for v in np.asarray(data["count"])]
    counts[:200] = ["n/a"] * 200  # 95% of values Integral
    data["count"] = counts
    plans = rng.choice(["basic", "plus", "pro"], ROWS, p=[0.42, 0.3, 0.28]).astype(object)
    plans[:40] = "enterprise"  # 99% inside the domain; frequencies moved by about 0.18
    data["plan"] = plans.astype(str)
    path = write_csv(tmp_path / "b.csv", data)

    def unchanged(config: dict) -> None:
        pass

    assert _run_with_config(base, path, tmp_path / "all", unchanged) == {
        ("amount", "baseline_drift_check"),
        ("count", "data_type_check"),
        ("plan", "categorical_values_check"),
        ("plan", "baseline_drift_check"),
    }

    def lenient(config: dict) -> None:
        config["datatype_check_threshold"] = 0.9  # 95% fit: enough
        config["domain_content_threshold"] = 0.98  # 99% inside: enough
        config["distribution_constraints"]["categorical_comparison_threshold"] = 0.5

    assert _run_with_config(base, path, tmp_path / "lenient", lenient) == {
        ("amount", "baseline_drift_check")  # comparison_threshold still 0.1 for numbers
    }

    def numbers_lenient(config: dict) -> None:
        config["distribution_constraints"]["comparison_threshold"] = 0.99

    found = _run_with_config(base, path, tmp_path / "numbers", numbers_lenient)
    assert ("amount", "baseline_drift_check") not in found
    assert ("plan", "baseline_drift_check") in found  # categorical threshold still 0.1

    def older_file(config: dict) -> None:  # neither categorical field, as in 2021's files
        del config["distribution_constraints"]["categorical_drift_method"]
        del config["distribution_constraints"]["categorical_comparison_threshold"]

    found = _run_with_config(base, path, tmp_path / "older", older_file)
    # As documented: LInfinity when no method is named, against comparison_threshold.
    assert ("plan", "baseline_drift_check") in found
    assert ("amount", "baseline_drift_check") in found

    def older_and_lenient(config: dict) -> None:
        older_file(config)
        config["distribution_constraints"]["comparison_threshold"] = 0.3

    found = _run_with_config(base, path, tmp_path / "older-lenient", older_and_lenient)
    assert ("plan", "baseline_drift_check") not in found


def test_simple_flags_a_small_batch_that_robust_forgives(base, tmp_path: Path) -> None:
    """Robust allows for what 500 rows against 4,000 differ by anyway (about 0.085)."""
    data = _data(np.random.default_rng(22), rows=500, shift=3.5)  # a third of a deviation
    path = write_csv(tmp_path / "small.csv", data)

    def method(name: str):
        def edit(config: dict) -> None:
            config["distribution_constraints"]["comparison_method"] = name

        return edit

    assert _run_with_config(base, path, tmp_path / "simple", method("Simple")) == {
        ("amount", "baseline_drift_check")
    }
    assert _run_with_config(base, path, tmp_path / "robust", method("Robust")) == set()
