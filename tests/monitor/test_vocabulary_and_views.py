"""The names metric series go by, the Model Monitor files as the page shows them, and the one
place model-quality violations fail a job."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

from batchops.errors import InvalidInput, JobFailed
from batchops.models.problem_types import BINARY
from batchops.monitor.constraints import DEFAULT_DRIFT_THRESHOLD, DistributionConstraints
from batchops.monitor.file_views import drift_threshold_at, statistics_rows
from batchops.monitor.jobs import named_metrics
from batchops.monitor.model_quality import model_quality
from batchops.monitor.predictions import of_outputs
from batchops.store import metric_names


def test_metric_names_are_built_and_read_back_the_same_way() -> None:
    built = named_metrics(10, {"age_years": {"baseline_drift": 0.3, "completeness": 1.0}})
    assert built == {
        "dataset_item_count": 10.0,
        "feature_baseline_drift_age_years": 0.3,
        "feature_completeness_age_years": 1.0,
    }
    assert metric_names.parse_feature_metric("feature_baseline_drift_age_years") == (
        "baseline_drift",
        "age_years",
    )
    assert metric_names.parse_feature_metric("feature_domain_share_plan") == (
        "domain_share",
        "plan",
    )
    assert metric_names.parse_feature_metric("model_accuracy") is None
    quality = metric_names.model_quality_metric("auc")
    assert quality == "model_quality.auc"
    assert metric_names.parse_model_quality_metric(quality) == "auc"
    for name in [*built, quality, metric_names.model_metric("accuracy"), "execution_failed"]:
        assert metric_names.check_metric(name) == name
    with pytest.raises(InvalidInput, match=r"unknown metric 'feature_speed_age'.*records:"):
        metric_names.check_metric("feature_speed_age")


def test_the_page_reads_monitor_files_leniently_with_one_default_threshold(
    tmp_path: Path,
) -> None:
    assert DistributionConstraints().comparison_threshold == DEFAULT_DRIFT_THRESHOLD
    constraints = tmp_path / "constraints.json"
    config = {"distribution_constraints": {"comparison_threshold": 0.3}}
    constraints.write_text(json.dumps({"monitoring_config": config}))
    assert drift_threshold_at(str(constraints)) == 0.3
    (tmp_path / "broken.json").write_text("{not json")
    for unreadable in (None, str(tmp_path / "broken.json"), str(tmp_path / "gone.json")):
        assert drift_threshold_at(unreadable) == DEFAULT_DRIFT_THRESHOLD
        assert statistics_rows(unreadable) == []
    statistics = tmp_path / "statistics.json"
    feature = {
        "name": "age",
        "inferred_type": "Integral",
        "numerical_statistics": {"common": {"num_present": 3, "num_missing": 1}, "mean": 40},
    }
    statistics.write_text(json.dumps({"features": [feature]}))
    (row,) = statistics_rows(str(statistics))
    assert (row["name"], row["type"], row["completeness"], row["mean"]) == (
        "age",
        "Integral",
        0.75,
        40,
    )


def test_model_quality_violations_fail_the_job_in_one_place(tmp_path: Path) -> None:
    joined = of_outputs(
        pl.DataFrame(
            {
                "inference_id": ["a", "b", "c", "d"],
                "probability": [0.9, 0.8, 0.2, 0.1],
                "label": [0, 0, 1, 1],  # every one wrong
            }
        ),
        BINARY,
    )
    strict = {
        "binary_classification_constraints": {
            "accuracy": {"threshold": 0.5, "comparison_operator": "LessThanThreshold"}
        }
    }
    result = model_quality(joined, tmp_path / "out", constraints=strict)
    assert [v["metric_name"] for v in result.violations] == ["accuracy"]
    with pytest.raises(JobFailed, match=r"1 model-quality violation\(s\) \(accuracy\); see .*out"):
        result.raise_for_violations()
    with pytest.raises(JobFailed, match=r"see s3://bucket/violations.json$"):
        result.raise_for_violations("s3://bucket/violations.json")
    lenient = {
        "binary_classification_constraints": {
            "accuracy": {"threshold": 0.0, "comparison_operator": "LessThanThreshold"}
        }
    }
    model_quality(joined, None, constraints=lenient).raise_for_violations()  # nothing to fail
