"""SageMaker Model Monitor's own files: we read them, reproduce them, and reach their verdicts."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from batchops.monitor import baseline, check, read_constraints, read_statistics


def _keys(value: Any, path: str = "$") -> set[str]:
    """Every JSON path of an object key (list items collapsed to [])."""
    found: set[str] = set()
    if isinstance(value, dict):
        for key, child in value.items():
            found.add(f"{path}.{key}")
            found |= _keys(child, f"{path}.{key}")
    elif isinstance(value, list):
        for child in value:
            found |= _keys(child, f"{path}[]")
    return found


def _check_their_dataset(model_monitor: Path, case: str, out: Path):
    """Their baseline dataset checked against their statistics and one case's constraints."""
    quality = model_monitor / "data-quality"
    return check(
        quality / "baseline_dataset.csv",
        statistics=quality / "statistics.json",
        constraints=quality / case / "constraints.json",
        out_dir=out,
    )


@pytest.fixture
def ours(model_monitor: Path, tmp_path: Path):
    return baseline(model_monitor / "data-quality" / "baseline_dataset.csv", tmp_path / "base")


def test_their_files_parse_with_our_readers(model_monitor: Path) -> None:
    quality = model_monitor / "data-quality"
    statistics = read_statistics(quality / "statistics.json")
    assert statistics.item_count == 100
    assert [f.name for f in statistics.features] == [f"_c{i}" for i in range(6)]
    sketch = statistics.features[0].numerical.sketch
    assert sketch is not None and (sketch.c, sketch.k) == (0.64, 2048.0)
    assert sketch.count == 100
    for case in ("good_cases", "bad_cases"):
        constraints = read_constraints(quality / case / "constraints.json")
        config = constraints.monitoring_config.distribution_constraints
        assert config.comparison_method == "Robust"
        assert config.comparison_threshold == 0.1
    bad = read_constraints(quality / "bad_cases" / "constraints.json")
    assert bad.feature("_c5").inferred_type == "String"


def test_baselining_their_dataset_reproduces_their_statistics(ours, model_monitor: Path) -> None:
    theirs = json.loads((model_monitor / "data-quality" / "statistics.json").read_text())
    mine = json.loads(Path(ours.statistics_uri).read_text())
    assert mine["dataset"]["item_count"] == theirs["dataset"]["item_count"] == 100
    assert len(mine["features"]) == len(theirs["features"])
    for expected, got in zip(theirs["features"], mine["features"], strict=True):
        assert got["name"] == expected["name"]
        assert got["inferred_type"] == expected["inferred_type"] == "Fractional"
        e, g = expected["numerical_statistics"], got["numerical_statistics"]
        assert g["common"] == e["common"]
        for key in ("mean", "sum", "std_dev", "min", "max"):
            assert g[key] == pytest.approx(e[key], rel=1e-12, abs=1e-12), (got["name"], key)
        e_buckets = e["distribution"]["kll"]["buckets"]
        g_buckets = g["distribution"]["kll"]["buckets"]
        assert g_buckets == e_buckets  # same bounds to the last bit, same counts


def test_our_sketches_agree_with_theirs_within_rank_error(ours, model_monitor: Path) -> None:
    theirs = read_statistics(model_monitor / "data-quality" / "statistics.json")
    for expected in theirs.features:
        mine = ours.statistics.feature(expected.name).numerical.sketch
        reference = expected.numerical.sketch
        points = np.union1d(mine.items, reference.items)
        # 100 values fit in both sketches, so the CDFs agree exactly; the allowed error is
        # DataSketches' normalized rank error for k=200 anyway.
        assert np.max(np.abs(mine.cdf(points) - reference.cdf(points))) <= 0.0133


def test_our_files_carry_every_field_theirs_carry(ours, model_monitor: Path) -> None:
    quality = model_monitor / "data-quality"
    their_statistics = json.loads((quality / "statistics.json").read_text())
    our_statistics = json.loads(Path(ours.statistics_uri).read_text())
    assert _keys(their_statistics) <= _keys(our_statistics)
    their_constraints = json.loads((quality / "good_cases" / "constraints.json").read_text())
    our_constraints = json.loads(Path(ours.constraints_uri).read_text())
    assert _keys(their_constraints) <= _keys(our_constraints)
    # ... and the newer fields the service writes today.
    numerical = our_statistics["features"][0]["numerical_statistics"]
    assert numerical["approximate_num_distinct_values"] == 3
    assert numerical["completeness"] == 1.0
    distribution = our_constraints["monitoring_config"]["distribution_constraints"]
    assert distribution["categorical_comparison_threshold"] == 0.1
    assert distribution["categorical_drift_method"] == "LInfinity"
    assert our_constraints["monitoring_config"] == {
        **their_constraints["monitoring_config"],
        "distribution_constraints": distribution,
    }


def test_files_end_without_a_newline_like_the_service(ours) -> None:
    for uri in (ours.statistics_uri, ours.constraints_uri):
        text = Path(uri).read_text()
        assert text.endswith("}") and not text.endswith("\n")


def test_their_dataset_passes_against_their_good_baseline(model_monitor: Path, tmp_path) -> None:
    result = _check_their_dataset(model_monitor, "good_cases", tmp_path / "good")
    assert result.violations == []
    assert result.row_count == 100
    assert json.loads(Path(result.violations_uri).read_text()) == {"violations": []}


def test_their_bad_baseline_flags_the_type_of_c5(model_monitor: Path, tmp_path) -> None:
    result = _check_their_dataset(model_monitor, "bad_cases", tmp_path / "bad")
    assert [(v.feature_name, v.constraint_check_type) for v in result.violations] == [
        ("_c5", "data_type_check")
    ]
    written = json.loads(Path(result.violations_uri).read_text())
    assert set(written) == {"violations"}  # no version key, as the service writes it
    assert written["violations"][0]["feature_name"] == "_c5"


def test_a_baseline_of_ours_checks_their_dataset_clean(ours, model_monitor: Path, tmp_path) -> None:
    result = check(
        model_monitor / "data-quality" / "baseline_dataset.csv",
        statistics=ours.statistics_uri,
        constraints=ours.constraints_uri,
        out_dir=tmp_path / "again",
    )
    assert result.violations == []
    assert all(m["baseline_drift"] == 0.0 for m in result.metrics.values())


def _write_rows(path: Path, values: np.ndarray) -> Path:
    """Rows as the service's file writes them ("3.0"), an empty field for NaN."""
    lines = [",".join("" if np.isnan(v) else f"{v:.1f}" for v in row) for row in values]
    path.write_text("\n".join(lines) + "\n")
    return path


def test_a_drifted_copy_is_checked_against_their_deequ_sketches(
    model_monitor: Path, tmp_path: Path
) -> None:
    quality = model_monitor / "data-quality"
    original = np.loadtxt(quality / "baseline_dataset.csv", delimiter=",")
    changed = original.copy()
    changed[:, 2] += 3.0  # _c2 moves up by one and a half standard deviations
    changed[:10, 4] = np.nan  # _c4 loses 10% of its values
    result = check(
        _write_rows(tmp_path / "drifted.csv", changed),
        statistics=quality / "statistics.json",
        constraints=quality / "good_cases" / "constraints.json",
        out_dir=tmp_path / "out",
    )
    found = {(v.feature_name, v.constraint_check_type): v.description for v in result.violations}
    assert set(found) == {("_c2", "baseline_drift_check"), ("_c4", "completeness_check")}
    # Their sketch holds all 100 values, as ours of the batch does: the distance must be the
    # two-sample Kolmogorov-Smirnov statistic, less the Robust allowance for 100 against 100.
    points = np.union1d(original[:, 2], changed[:, 2])
    before = np.searchsorted(np.sort(original[:, 2]), points, side="right") / 100
    after = np.searchsorted(np.sort(changed[:, 2]), points, side="right") / 100
    expected = np.max(np.abs(before - after)) - 1.8 * np.sqrt(200 / 100**2)
    assert result.metrics["_c2"]["baseline_drift"] == pytest.approx(expected)
    assert f"{expected:.4g}" in found[("_c2", "baseline_drift_check")]
    assert "Expected: 100.0%. Observed: Only 90.0%" in found[("_c4", "completeness_check")]


def test_our_violations_file_has_the_shape_of_theirs(model_monitor: Path, tmp_path: Path) -> None:
    from batchops.monitor.checks import CHECK_TYPES

    theirs = json.loads(
        (model_monitor / "violations-example" / "constraint_violations.json").read_text()
    )
    result = _check_their_dataset(model_monitor, "bad_cases", tmp_path / "bad")
    ours = json.loads(Path(result.violations_uri).read_text())
    assert set(ours) == set(theirs) == {"violations"}
    their_keys = {tuple(sorted(v)) for v in theirs["violations"]}
    assert {tuple(sorted(v)) for v in ours["violations"]} == their_keys
    for violation in theirs["violations"] + ours["violations"]:
        assert violation["constraint_check_type"] in CHECK_TYPES
    # Ours says more than "Value: 0.0 does not meet the constraint requirement!": the feature,
    # the share measured and the threshold.
    description = ours["violations"][0]["description"]
    assert "'_c5'" in description and "0.0%" in description and "100.0%" in description


@pytest.mark.parametrize(
    "name", ["data-quality/statistics.json", "violations-example/constraint_violations.json"]
)
def test_our_json_is_laid_out_as_theirs(model_monitor: Path, name: str) -> None:
    """Same bytes as the service's file for the same content: a diff between them shows only
    what differs, not layout."""
    from batchops.monitor.formats import dump_json

    text = (model_monitor / name).read_text()
    assert dump_json(json.loads(text)) == text.rstrip("\n")
