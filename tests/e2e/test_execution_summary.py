"""What `pipeline start --wait` tells a user: the outcome, where things are, what to do next."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from batchops.examples.churn.data import write_churn_csv

pytestmark = pytest.mark.slow


def test_train_then_score_a_drifted_batch_says_what_happened(cli, tmp_path: Path) -> None:
    from batchops.examples.churn import prepare_batch_file

    raw = write_churn_csv(tmp_path / "churn.csv", 3000, seed=5)
    trained = cli("pipeline", "start", "train-and-baseline", "-p", f"InputData={raw}", "--wait")
    assert trained.code == 0, trained.stderr
    assert re.search(r"^execution \w+: Succeeded$", trained.stdout, re.M), trained.stdout
    assert re.search(r"metrics: accuracy 0\.\d{3}, auc 0\.\d{3}", trained.stdout)
    assert "registered customer-churn/1 (PendingManualApproval)" in trained.stdout
    assert 'batchops registry approve customer-churn/1 --reason "' in trained.stdout
    assert "baseline statistics: " in trained.stdout

    approve = re.search(r"(batchops registry approve \S+) --reason", trained.stdout)
    assert approve is not None
    assert cli(*approve.group(1).split()[1:], "--reason", "fine").code == 0

    described = cli("execution", "list", "--json").json()[0]
    execution = cli("execution", "describe", described["id"], "--json").json()
    prepared = next(s for s in execution["steps"] if s["name"] == "PrepareData")
    outputs = prepared["properties"]["ProcessingOutputConfig"]["Outputs"]
    vocabulary = Path(outputs["vocabulary"]["S3Output"]["S3Uri"]) / "vocabulary.json"
    drifted = write_churn_csv(tmp_path / "drifted.csv", 600, seed=9, drift="shift")
    batch = prepare_batch_file(drifted, vocabulary, tmp_path / "batch.csv", with_label=True)

    scored = cli("pipeline", "start", "batch-inference", "-p", f"InputData={batch}", "--wait")
    assert scored.code == 0, scored.stderr
    headline = re.search(
        r"^execution \w+: Succeeded with (\d+) data-quality violations?$", scored.stdout, re.M
    )
    assert headline is not None, scored.stdout
    assert int(headline.group(1)) > 0
    assert "scored 600 rows" in scored.stdout
    predictions = re.search(r"predictions: (\S+)", scored.stdout)
    assert predictions and (Path(predictions.group(1)) / "batch.csv.out").exists()
    report = re.search(r"report: (\S+report\.html)$", scored.stdout, re.M)
    assert report and Path(report.group(1)).exists()
    # each violation with its feature, by position and by the model's name for it
    assert re.search(r"- _c\d+ \([A-Za-z ]+\): Baseline drift distance", scored.stdout)

    as_json = cli(
        "pipeline", "start", "batch-inference", "-p", f"InputData={batch}", "--wait", "--json"
    ).json()
    assert {"id", "status", "steps", "parameters"} <= set(as_json)  # every field kept
    summary = as_json["summary"]
    assert summary["headline"].startswith("Succeeded with ")
    assert summary["rows_scored"] == 600
    (check,) = summary["data_quality"]
    assert check["violations"] == summary["violations"] == len(check["found"]) > 0
    assert all(v["column"] and v["feature"].startswith("_c") for v in check["found"])
    assert Path(check["report"]).exists()
    trained_json = cli("execution", "describe", described["id"], "--json").json()["summary"]
    assert trained_json["registered"][0]["ref"] == "customer-churn/1"
    assert trained_json["registered"][0]["status"] == "Approved"  # as it is now
    assert 0.5 < trained_json["metrics"]["accuracy"] <= 1
    json.dumps(trained_json, allow_nan=False)

    # The monitoring list (API and page): the two scoring runs newest first, never the
    # training run's baselining step, each with the model version it used and the model's
    # names for the drifted columns.
    from batchops.runtime.monitoring_runs import recent_runs

    runs = recent_runs(5)
    scoring = [e["id"] for e in cli("execution", "list", "--json").json()[:2]]
    assert [r["execution_id"] for r in runs] == scoring
    assert all(r["pipeline"] == "batch-inference" for r in runs)
    newest = runs[0]
    assert newest["violations"] == check["violations"]
    assert newest["features"] == [f"{v['column']} ({v['feature']})" for v in check["found"]]
    assert newest["model_version"] == "customer-churn/1" and newest["has_report"]
    assert recent_runs(1) == runs[:1]
    # A violation report read once is kept, but a changed file is read again.
    report_file = Path(check["violation_report"])
    kept = json.loads(report_file.read_text())
    report_file.write_text(json.dumps({**kept, "violations": kept["violations"][:1]}))
    (first, *_) = check["found"]
    assert recent_runs(1)[0]["features"] == [f"{first['column']} ({first['feature']})"]
