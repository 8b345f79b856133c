"""QualityCheckStep with skip_check=False: a batch checked against a supplied baseline, in a
pipeline, passing or failing by the same rules as `batchops monitor`."""

from __future__ import annotations

from pathlib import Path

from batchops.examples.churn.data import DRIFT_EFFECTS, write_churn_csv
from batchops.pipeline import Pipeline
from batchops.pipeline.parameters import ParameterBoolean, ParameterString
from batchops.pipeline.steps.quality_check import (
    DataQualityCheckConfig,
    DatasetFormat,
    QualityCheckStep,
)
from batchops.store.metrics import metric_history


def _baseline(tmp_path: Path) -> tuple[str, str]:
    data = write_churn_csv(tmp_path / "train.csv", 3000, seed=1)
    step = QualityCheckStep(
        "Baseline",
        quality_check_config=DataQualityCheckConfig(str(data), DatasetFormat.csv(header=True)),
    )
    done = Pipeline("baseline", [], [step]).start(wait=True).describe()
    assert done["status"] == "Succeeded", done["failure_reason"]
    properties = done["steps"][0]["properties"]
    return properties["CalculatedBaselineStatistics"], properties["CalculatedBaselineConstraints"]


def _check_pipeline(statistics: str, constraints: str) -> Pipeline:
    batch = ParameterString("Batch")
    fail = ParameterBoolean("FailOnViolation", True)
    step = QualityCheckStep(
        "CheckBatch",
        quality_check_config=DataQualityCheckConfig(batch, DatasetFormat.csv(header=True)),
        skip_check=False,
        register_new_baseline=False,
        fail_on_violation=fail,
        supplied_baseline_statistics=statistics,
        supplied_baseline_constraints=constraints,
    )
    return Pipeline("check", [batch, fail], [step])


def test_a_clean_batch_passes_and_a_drifted_one_fails_or_reports(tmp_path: Path) -> None:
    statistics, constraints = _baseline(tmp_path)
    pipeline = _check_pipeline(statistics, constraints)

    clean = write_churn_csv(tmp_path / "clean.csv", 1000, seed=2)
    passed = pipeline.start({"Batch": str(clean)}, wait=True).describe()
    assert passed["status"] == "Succeeded", passed["failure_reason"]
    assert passed["steps"][0]["properties"]["Violations"] == 0
    assert passed["steps"][0]["properties"]["BaselineUsedForDriftCheckStatistics"] == statistics

    drifted = write_churn_csv(tmp_path / "drifted.csv", 1000, seed=2, drift="shift")
    failed = pipeline.start({"Batch": str(drifted)}, wait=True).describe()
    assert failed["status"] == "Failed"
    shifted = DRIFT_EFFECTS["shift"]["baseline_drift_check"]
    assert "baseline_drift_check" in failed["failure_reason"]
    assert any(column in failed["failure_reason"] for column in shifted)

    reported = pipeline.start(
        {"Batch": str(drifted), "FailOnViolation": False}, wait=True
    ).describe()
    assert reported["status"] == "Succeeded"
    assert reported["steps"][0]["properties"]["Violations"] >= len(shifted)

    # the per-feature drift of every run is in the metadata store, newest first
    history = metric_history(f"feature_baseline_drift_{shifted[0]}")
    assert len(history) == 3
    assert history[0]["value"] > 0.1 > history[2]["value"]
