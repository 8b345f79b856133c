"""The regression example through the real command line: trained and gated on mse, scored
with traced ids, estimated before its labels, measured as they arrive (a late label
replacing its date's datapoint), alarmed on rmse, and a challenger gated on rmse."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from batchops.store.metrics import metric_history

pytestmark = pytest.mark.slow


def _step(execution: dict, name: str) -> dict:
    return next(s for s in execution["steps"] if s["name"] == name)


def test_the_regression_example_from_training_to_realised_quality(cli, tmp_path: Path) -> None:
    data = tmp_path / "abalone.csv"
    assert cli("data", "abalone", "--rows", "4000", "--out", str(data)).code == 0
    trained = cli(
        "pipeline", "start", "abalone-train-and-baseline", "-p", f"InputData={data}",
        "--wait", "--json",
    )  # fmt: skip
    assert trained.code == 0, trained.stderr
    evaluation = _step(trained.json(), "EvaluateAbaloneModel")["properties"]
    assert trained.json()["status"] == "Succeeded"
    version = cli("registry", "describe", "abalone/1", "--json").json()
    report = json.loads(Path(version["metrics_uri"]).read_text())
    assert set(report["regression_metrics"]) == {"mae", "mse", "rmse", "r2"}
    assert version["metrics"]["mse"] == report["regression_metrics"]["mse"]["value"] < 10.0
    assert report["challenger"]["metric"] == "rmse" and report["challenger"]["lower_is_better"]
    assert evaluation  # the step ran as a processing job
    assert cli("registry", "approve", "abalone/1", "--reason", "e2e").code == 0

    day = tmp_path / "day.csv"
    assert cli("data", "abalone", "--rows", "600", "--seed", "1", "--out", str(day)).code == 0
    scored = cli(
        "pipeline", "start", "abalone-batch-inference", "-p", f"InputData={day}",
        "--wait", "--json",
    )  # fmt: skip
    assert scored.code == 0, scored.stderr
    run = scored.json()["id"]
    before = cli("model-quality", run, "--json").json()["champion"]
    assert before["problem_type"] == "Regression" and before["labelled"] == 0
    assert before["estimate"]["method"] == "direct loss estimation"
    assert before["estimate"]["reference"] == "holdout"

    # An alarm on the realised rmse, created before the labels: it watches what they give.
    alarm = cli("alarm", "create", "rings-off", "--metric", "model_quality.rmse", "--above", "0.5")
    assert alarm.code == 0, alarm.stderr

    # Half the rings counted, then the rest: the date's datapoint is replaced, not added.
    labels = pl.read_csv(day).select("id", "Rings")
    labels.head(300).write_csv(tmp_path / "first.csv")
    labels.write_csv(tmp_path / "all.csv")
    for name in ("first.csv", "all.csv"):
        added = cli(
            "ground-truth", "add", str(tmp_path / name), "--id-column", "id",
            "--label-column", "Rings", "--json",
        )  # fmt: skip
        assert added.code == 0, added.stderr
        assert added.json()["unmatched"] == 0
        measured = cli("model-quality", run, "--out", str(tmp_path / "mq"), "--json")
        assert measured.code == 0, measured.stderr
    after = measured.json()["champion"]
    assert after["label_coverage"] == 1.0
    history = [p for p in metric_history("model_quality.rmse") if "abalone/1|" in p["series_key"]]
    assert len(history) == 1

    first_id = labels["id"][0]
    lineage = cli("lineage", "prediction", first_id, "--json").json()
    assert lineage["model_version"] == "abalone/1" and lineage["execution_id"] == run
    predictions = pl.read_parquet(lineage["predictions_file"])
    assert lineage["prediction"] == predictions.filter(pl.col("inference_id") == first_id).item(
        0, "prediction"
    )
    joined = predictions.join(labels, left_on="inference_id", right_on="id")
    error = joined["Rings"].to_numpy() - joined["prediction"].to_numpy()
    assert after["realised"]["rmse"] == pytest.approx(float(np.sqrt(np.mean(error**2))))
    estimate = after["estimate"]["rmse"]
    assert estimate["realised"] == pytest.approx(after["realised"]["rmse"])
    assert estimate["within"] and estimate["error"] == pytest.approx(
        estimate["value"] - estimate["realised"]
    )
    statistics = json.loads((tmp_path / "mq" / "statistics.json").read_text())
    assert statistics["regression_metrics"]["rmse"]["value"] == after["realised"]["rmse"]
    assert after["realised"]["rmse"] > 0.5  # whole rings against a continuous prediction
    assert cli("scheduler", "--once").code == 0
    fired = cli("alarm", "describe", "rings-off", "--json").json()
    assert fired["state"] == "ALARM", fired

    # A challenger that must beat the approved model's rmse by 100 rings fails the gate.
    gated = cli(
        "pipeline", "start", "abalone-train-and-baseline", "-p", f"InputData={data}",
        "-p", "ChallengerMargin=100", "--wait", "--json",
    )  # fmt: skip
    assert gated.code == 1
    assert "worse than the approved model" in gated.json()["failure_reason"]
    other = tmp_path / "other.csv"
    assert cli("data", "abalone", "--rows", "4000", "--seed", "9", "--out", str(other)).code == 0
    second = cli(
        "pipeline", "start", "abalone-train-and-baseline", "-p", f"InputData={other}",
        "-p", "ChallengerMargin=-100", "--wait", "--json",
    )  # fmt: skip
    assert second.code == 0, second.stderr
    compared = cli("registry", "compare", "abalone/1", "abalone/2", "--json").json()
    headline = compared["headline"]
    assert headline["metric"] == "rmse" and headline["lower_is_better"]
    rmse = headline["values"]
    assert headline["better"] == ("abalone/1" if rmse[0] < rmse[1] else "abalone/2")
