"""A QualityCheckStep with a ModelQualityCheckConfig: SageMaker's model-quality job as a step."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import polars as pl

from batchops.models.metrics import binary_classification_metrics
from batchops.pipeline import (
    DatasetFormat,
    ModelQualityCheckConfig,
    Pipeline,
    QualityCheckStep,
)
from batchops.pipeline.steps import QualityCheckArguments, StepType, arguments_from_json
from batchops.store.statuses import ExecutionStatus


def _labelled(path: Path, rows: int, noise: float, seed: int) -> Path:
    """Scores with labels; `noise` flips that share of the labels (a worse model)."""
    rng = np.random.default_rng(seed)
    probability = rng.random(rows)
    label = (rng.random(rows) < probability).astype(int)
    flipped = rng.random(rows) < noise
    label[flipped] = 1 - label[flipped]
    pl.DataFrame({"prediction": probability, "churn": label}).write_csv(path)
    return path


def _config(dataset: str) -> ModelQualityCheckConfig:
    return ModelQualityCheckConfig(
        baseline_dataset=dataset,
        dataset_format=DatasetFormat.csv(header=True),
        problem_type="BinaryClassification",
        probability_attribute="prediction",
        ground_truth_attribute="churn",
        probability_threshold_attribute=0.5,
    )


def _pipeline(name: str, baseline_data: Path, batch_data: Path) -> Pipeline:
    baseline = QualityCheckStep(
        "ModelQualityBaseline", quality_check_config=_config(str(baseline_data))
    )
    check = QualityCheckStep(
        "ModelQualityCheck",
        quality_check_config=_config(str(batch_data)),
        skip_check=False,
        register_new_baseline=False,
        fail_on_violation=True,
        supplied_baseline_statistics=baseline.properties.CalculatedBaselineStatistics,
        supplied_baseline_constraints=baseline.properties.CalculatedBaselineConstraints,
    )
    return Pipeline(name, [], [baseline, check])


def _step(described: dict, name: str) -> dict:
    return next(s for s in described["steps"] if s["name"] == name)


def test_the_step_writes_model_monitor_s_files_with_the_evaluation_s_figures(
    tmp_path: Path,
) -> None:
    # The suggested constraints sit at the baseline's own figures (as Model Monitor suggests
    # them): the same predictions meet them.
    good = _labelled(tmp_path / "good.csv", 2000, 0.0, 1)
    execution = _pipeline("mq-pass", good, good).start({}, wait=True)
    described = json.loads(json.dumps(execution.describe()))
    assert execution.status is ExecutionStatus.SUCCEEDED, described.get("failure_reason")
    baseline = _step(described, "ModelQualityBaseline")["properties"]
    statistics = json.loads(Path(baseline["CalculatedBaselineStatistics"]).read_text())
    frame = pl.read_csv(good)
    expected = binary_classification_metrics(frame["churn"], frame["prediction"])
    assert statistics == json.loads(json.dumps(expected))
    constraints = json.loads(Path(baseline["CalculatedBaselineConstraints"]).read_text())
    assert constraints["binary_classification_constraints"]["auc"]["comparison_operator"] == (
        "LessThanThreshold"
    )
    check = _step(described, "ModelQualityCheck")["properties"]
    assert check["ModelQuality"]["LabelCoverage"] == 1.0


def test_a_worse_batch_fails_the_step_with_violations_in_model_monitor_s_format(
    tmp_path: Path,
) -> None:
    good = _labelled(tmp_path / "good.csv", 2000, 0.0, 1)
    worse = _labelled(tmp_path / "worse.csv", 2000, 0.3, 2)
    execution = _pipeline("mq-fail", good, worse).start({}, wait=True)
    assert execution.status is ExecutionStatus.FAILED
    described = json.loads(json.dumps(execution.describe()))
    assert "model-quality violation" in described["failure_reason"]
    assert "auc" in described["failure_reason"]
    assert _step(described, "ModelQualityCheck")["status"] == "Failed"
    report_uri = described["failure_reason"].rsplit("see ", 1)[1].strip()
    report = json.loads(Path(report_uri).read_text())
    auc = next(v for v in report["violations"] if v["metric_name"] == "auc")
    assert set(auc) == {"metric_name", "constraint_check_type", "description"}
    assert auc["constraint_check_type"] == "LessThanThreshold"
    assert auc["description"].startswith("Metric auc with ")
    assert " was LessThanThreshold " in auc["description"]


def test_model_quality_arguments_are_stored_only_when_set(tmp_path: Path) -> None:
    step = QualityCheckStep("Q", quality_check_config=_config(str(tmp_path / "x.csv")))
    stored = step.arguments().to_json()
    assert stored["CheckType"] == "MODEL_QUALITY"
    assert stored["ModelQualityConfig"] == {
        "ProblemType": "BinaryClassification",
        "ProbabilityAttribute": "prediction",
        "GroundTruthAttribute": "churn",
        "ProbabilityThresholdAttribute": 0.5,
    }
    back = arguments_from_json(StepType.QUALITY_CHECK, stored)
    assert isinstance(back, QualityCheckArguments) and back.to_json() == stored
    data_quality = QualityCheckArguments(baseline_dataset="data.csv").to_json()
    assert "ModelQualityConfig" not in data_quality


def test_a_regression_step_checks_against_sagemaker_s_constraints(
    tmp_path: Path, fixtures_dir: Path
) -> None:
    folder = fixtures_dir / "model-quality" / "regression"
    config = ModelQualityCheckConfig(
        baseline_dataset=str(folder / "baseline_dataset.csv"),
        dataset_format=DatasetFormat.csv(header=True),
        problem_type="Regression",
        inference_attribute="Prediction",
        ground_truth_attribute="Label",
    )
    baseline = QualityCheckStep("RegressionBaseline", quality_check_config=config)
    check = QualityCheckStep(
        "RegressionCheck",
        quality_check_config=config,
        skip_check=False,
        register_new_baseline=False,
        fail_on_violation=True,
        supplied_baseline_statistics=baseline.properties.CalculatedBaselineStatistics,
        supplied_baseline_constraints=str(folder / "bad_cases" / "constraints.json"),
    )
    execution = Pipeline("mq-regression", [], [baseline, check]).start({}, wait=True)
    described = json.loads(json.dumps(execution.describe()))
    assert execution.status is ExecutionStatus.FAILED
    assert "1 model-quality violation(s) (mse)" in described["failure_reason"]
    statistics = _step(described, "RegressionBaseline")["properties"]
    written = json.loads(Path(statistics["CalculatedBaselineStatistics"]).read_text())
    assert written == json.loads((folder / "statistics.json").read_text())
    assert statistics["ModelQuality"]["Rmse"] == written["regression_metrics"]["rmse"]["value"]


def test_an_unknown_problem_type_fails_the_step_with_the_known_ones(tmp_path: Path) -> None:
    good = _labelled(tmp_path / "good.csv", 50, 0.0, 1)
    config = ModelQualityCheckConfig(
        baseline_dataset=str(good),
        problem_type="Ranking",
        probability_attribute="prediction",
        ground_truth_attribute="churn",
    )
    execution = Pipeline(
        "mq-unknown", [], [QualityCheckStep("Q", quality_check_config=config)]
    ).start({}, wait=True)
    assert execution.status is ExecutionStatus.FAILED
    reason = json.loads(json.dumps(execution.describe()))["failure_reason"]
    assert "Ranking" in reason and "Regression, BinaryClassification" in reason
