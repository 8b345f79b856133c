"""Both churn pipelines end to end, through the real command line."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import numpy as np
import pytest

from batchops.examples.churn.data import write_churn_csv
from batchops.runtime.sandbox import support

pytestmark = pytest.mark.slow


def _step(execution: dict, name: str) -> dict:
    return next(s for s in execution["steps"] if s["name"] == name)


def _prepared(execution: dict, output: str) -> Path:
    """The folder PrepareData wrote its output `output` to."""
    outputs = _step(execution, "PrepareData")["properties"]["ProcessingOutputConfig"]["Outputs"]
    return Path(outputs[output]["S3Output"]["S3Uri"])


@pytest.fixture
def trained(cli, tmp_path: Path) -> dict:
    raw = write_churn_csv(tmp_path / "churn.csv", 5000, seed=7)
    result = cli(
        "pipeline", "start", "train-and-baseline", "-p", f"InputData={raw}", "--wait", "--json"
    )
    assert result.code == 0, result.stderr
    return result.json()


def test_train_and_baseline_registers_a_pending_version_with_metrics_and_baseline(
    cli, trained
) -> None:
    assert trained["status"] == "Succeeded"
    assert [s["name"] for s in trained["steps"]] == [
        "PrepareData",
        "TrainModel",
        "EvaluateModel",
        "GetChampionModel",  # the approved version, evaluated on the same holdout
        "PerformanceConditionalCheck",
        "DataQualityCheckStep",
        "RawDataQualityCheckStep",
        "RegisterModel",
        "AccuracyBelowThreshold",
    ]
    assert _step(trained, "AccuracyBelowThreshold")["status"] == "NotExecuted"
    version = cli("registry", "describe", "customer-churn/1", "--json").json()
    assert version["status"] == "PendingManualApproval"
    assert version["execution_id"] == trained["id"]
    # churn is about 50 %: the majority rate is near 0.5, the model must do far better
    assert version["metrics"]["accuracy"] >= 0.85
    assert version["metrics"]["auc"] >= 0.9
    statistics = json.loads(Path(version["baseline"]["statistics_uri"]).read_text())
    constraints = json.loads(Path(version["baseline"]["constraints_uri"]).read_text())
    train_rows = 3500  # 70 % of 5,000
    assert statistics["dataset"]["item_count"] == train_rows
    names = [f["name"] for f in statistics["features"]]
    assert names[0] == "_c0" and len(names) == len(constraints["features"]) > 60
    assert Path(version["model_data_uri"]).name == "model.tar.gz"
    assert version["custom_metadata"]["input_columns"].split(",")[0] == "Account Length"


def test_a_threshold_above_the_accuracy_fails_with_both_numbers(cli, tmp_path: Path) -> None:
    raw = write_churn_csv(tmp_path / "churn.csv", 2000, seed=3)
    result = cli(
        "pipeline",
        "start",
        "train-and-baseline",
        "-p",
        f"InputData={raw}",
        "-p",
        "MinAccuracy=0.999",
        "--wait",
        "--json",
    )
    assert result.code == 1
    execution = result.json()
    assert execution["status"] == "Failed"
    assert "is below the MinAccuracy threshold 0.999" in execution["failure_reason"]
    assert _step(execution, "RegisterModel")["status"] == "NotExecuted"
    assert cli("registry", "versions", "customer-churn", "--json").code == 2  # no group was made


def test_batch_inference_scores_with_the_latest_approved_model(
    cli, trained, tmp_path: Path, batchops_home: Path
) -> None:
    from batchops.examples.churn import prepare_batch_file
    from batchops.models import load_model

    assert cli("registry", "approve", "customer-churn/1", "--reason", "good").code == 0
    vocabulary = _prepared(trained, "vocabulary") / "vocabulary.json"
    raw = write_churn_csv(tmp_path / "fresh.csv", 800, seed=11)
    batch = Path(prepare_batch_file(raw, vocabulary, tmp_path / "batch.csv", with_label=True))
    result = cli(
        "pipeline", "start", "batch-inference", "-p", f"InputData={batch}", "--wait", "--json"
    )
    assert result.code == 0, result.stderr
    execution = result.json()
    outputs = _step(execution, "GetApprovedModel")["properties"]["Outputs"]
    assert outputs["model_version"] == 1
    step = _step(execution, "MonitorCustomerChurnDataQuality")
    predictions_dir = Path(step["properties"]["TransformOutput"]["S3OutputPath"])
    lines = (predictions_dir / "batch.csv.out").read_text().splitlines()
    assert len(lines) == 800
    # the same rows scored in process, without the label column the InputFilter drops
    rows = np.loadtxt(batch, delimiter=",", dtype=np.float32)
    expected = load_model(outputs["model_uri"]).predict(rows[:, 1:])
    np.testing.assert_allclose(np.array(lines, dtype=np.float64), expected, rtol=1e-5, atol=1e-6)
    assert step["properties"]["DataQuality"]["Violations"] == 0

    lineage = cli("registry", "lineage", "customer-churn/1", "--json").json()
    assert lineage["produced_by"]["id"] == trained["id"]
    assert lineage["produced_by"]["parameters"]["InputData"] == trained["parameters"]["InputData"]
    assert {"step": "PrepareData", "uri": trained["parameters"]["InputData"]} in lineage[
        "produced_by"
    ]["input_data"]
    assert [u["execution_id"] for u in lineage["used_by"]] == [execution["id"]]
    used = cli("registry", "lineage", "--execution", execution["id"], "--json").json()
    assert used["used"] == [{"group": "customer-churn", "version": 1, "step": "GetApprovedModel"}]
    made = cli("registry", "lineage", "--execution", trained["id"], "--json").json()
    assert [(v["group"], v["version"]) for v in made["registered"]] == [("customer-churn", 1)]

    drifted_raw = write_churn_csv(tmp_path / "drifted.csv", 800, seed=12, drift="shift")
    drifted = Path(
        prepare_batch_file(drifted_raw, vocabulary, tmp_path / "drifted-batch.csv", with_label=True)
    )
    failing = cli(
        "pipeline",
        "start",
        "batch-inference",
        "-p",
        f"InputData={drifted}",
        "-p",
        "FailOnViolation=true",
        "--wait",
        "--json",
    )
    assert failing.code == 1
    failed = failing.json()
    assert "violation" in failed["failure_reason"]
    step_dir = (
        batchops_home
        / "artifacts"
        / "pipelines"
        / "batch-inference"
        / "executions"
        / failed["id"]
        / "MonitorCustomerChurnDataQuality"
    )
    assert (step_dir / "monitoring" / "constraint_violations.json").exists()
    assert not (step_dir / "predictions").exists()
    reported = cli(
        "pipeline", "start", "batch-inference", "-p", f"InputData={drifted}", "--wait", "--json"
    ).json()
    step = _step(reported, "MonitorCustomerChurnDataQuality")
    assert step["properties"]["DataQuality"]["Violations"] > 0
    assert "baseline_drift_check" in step["properties"]["DataQuality"]["ViolationTypes"]
    assert (
        len(
            (Path(step["properties"]["TransformOutput"]["S3OutputPath"]) / "drifted-batch.csv.out")
            .read_text()
            .splitlines()
        )
        == 800
    )


def test_batch_inference_without_an_approved_version_says_so(cli, trained, tmp_path: Path) -> None:
    batch = tmp_path / "b.csv"
    batch.write_text("0,1\n")
    result = cli(
        "pipeline", "start", "batch-inference", "-p", f"InputData={batch}", "--wait", "--json"
    )
    assert result.code == 1
    reason = result.json()["failure_reason"]
    assert "customer-churn" in reason and "PendingManualApproval" in reason


@pytest.mark.postgres
def test_train_and_baseline_on_postgresql(
    cli, tmp_path: Path, postgres_server, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BATCHOPS_DB_URL", postgres_server.create_database("e2e_churn"))
    raw = write_churn_csv(tmp_path / "churn.csv", 2000, seed=5)
    result = cli(
        "pipeline", "start", "train-and-baseline", "-p", f"InputData={raw}", "--wait", "--json"
    )
    assert result.code == 0, result.stderr
    assert cli("registry", "approve", "customer-churn/1", "--reason", "pg").code == 0
    latest = cli("registry", "latest", "customer-churn", "--json").json()
    assert latest["execution_id"] == result.json()["id"]
    assert latest["metrics"]["accuracy"] >= 0.85


def test_the_batch_file_prepare_data_writes_scores_unchanged(cli, trained) -> None:
    assert cli("registry", "approve", "customer-churn/1", "--reason", "ok").code == 0
    batch = _prepared(trained, "batch") / "batch.csv"
    result = cli(
        "pipeline", "start", "batch-inference", "-p", f"InputData={batch}", "--wait", "--json"
    )
    assert result.code == 0, result.stderr
    step = _step(result.json(), "MonitorCustomerChurnDataQuality")
    rows = len(batch.read_text().splitlines())
    assert step["properties"]["TransformOutput"]["Rows"] == rows == 500  # the 10 % test split
    assert step["properties"]["DataQuality"]["Violations"] == 0


def test_demo_runs_everything_and_shows_the_drift(
    cli, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # As after `make demo`: batchops is in the venv, not on PATH, and the demo says so.
    monkeypatch.setenv("PATH", os.defpath)
    monkeypatch.chdir(tmp_path)
    result = cli("demo", "--rows", "2000", "--batch-rows", "500")
    assert result.code == 0, result.stderr
    out = result.stdout
    assert "customer-churn/1 -> Approved" in out
    assert out.count("execution") >= 3 and "predictions:" in out
    assert "violations: 0 (none)" in out  # the fresh batch
    assert "baseline_drift_check" in out and "(Day Mins)" in out  # the drifted one
    assert out.count("   scored 500 rows; the first predictions: 0.") == 2
    venv = Path(sys.executable).parent
    assert f"batchops is not on your PATH: `. {venv / 'activate'}` first, or call " in out
    closing = out[out.index("\nTry:\n") :].splitlines()[2:]
    assert closing[:3] == [
        "  batchops execution list",
        "  batchops registry versions customer-churn",
        "  batchops rule history demo-retrain-on-drift",
    ]


@pytest.mark.parametrize(
    ("sandbox", "said"),
    [("auto", "private root ("), ("off", "no private root here (BATCHOPS_SANDBOX=off)")],
)
def test_the_churn_scripts_run_in_a_private_root_and_where_none_exists(
    cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sandbox: str, said: str
) -> None:
    if sandbox == "auto" and support().tool is None:
        pytest.skip(f"no private root here: {support().reason}")
    monkeypatch.setenv("BATCHOPS_SANDBOX", sandbox)
    raw = write_churn_csv(tmp_path / "churn.csv", 2000, seed=5)
    result = cli(
        "pipeline", "start", "train-and-baseline", "-p", f"InputData={raw}", "--wait", "--json"
    )
    assert result.code == 0, result.stderr
    execution = result.json()
    assert execution["status"] == "Succeeded", execution["failure_reason"]
    for step in ("PrepareData", "EvaluateModel"):
        log = cli("execution", "logs", execution["id"], step)
        assert said in log.stdout, log.stdout
