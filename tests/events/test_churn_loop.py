"""The README's rules on the real churn pipelines, through the command line: a version approved
in customer-churn scores the drifted batch, its violations retrain on the labelled file, and a
failed run is posted to a webhook; one `scheduler --once` call does all of it, in order."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from batchops.examples.churn.data import write_churn_csv
from support.automation import receiving
from support.cli import run_batchops

pytestmark = pytest.mark.slow


def _ok(*args: str) -> str:
    result = run_batchops(*args, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def _json(*args: str) -> Any:
    return json.loads(_ok(*args, "--json"))


def test_approval_scores_drift_retrains_and_a_failure_is_posted(tmp_path: Path) -> None:
    train = write_churn_csv(tmp_path / "train.csv", 3000, seed=11)
    drifted = tmp_path / "drifted.csv"
    _ok("data", "churn", "--rows", "800", "--out", str(drifted), "--prepared", "--drift", "shift")
    first = _json("pipeline", "start", "train-and-baseline", "-p", f"InputData={train}", "--wait")
    assert first["status"] == "Succeeded"

    with receiving() as receiver:
        _ok(
            "rule", "create", "score-approved", "--on", "ModelVersionStatusChanged",
            "--filter", "status=Approved", "--filter", "group=customer-churn",
            "--start", "batch-inference", "-p", "ModelPackageGroup={group}",
            "-p", f"InputData={drifted}",
        )  # fmt: skip
        _ok(
            "rule", "create", "retrain-on-drift", "--on", "DataQualityViolations",
            "--filter", "pipeline=batch-inference", "--start", "train-and-baseline",
            "-p", f"InputData={train}",
        )  # fmt: skip
        _ok(
            "rule", "create", "tell-on-failure", "--on", "ExecutionStatusChanged",
            "--filter", "status=Failed", "--webhook", receiver.url,
        )  # fmt: skip
        _ok("registry", "approve", "customer-churn/1", "--reason", "good on holdout")
        missing = tmp_path / "absent.csv"
        failed = run_batchops(
            "pipeline", "start", "batch-inference", "-p", f"InputData={missing}", "--wait"
        )
        assert failed.returncode == 1
        _ok("scheduler", "--once")

        assert len(receiver.requests) == 1
        posted = receiver.requests[0]["body"]
        assert posted["rule"]["name"] == "tell-on-failure"
        assert posted["event"]["detail"]["status"] == "Failed"

    scored = _json("rule", "history", "score-approved")
    started = [entry for entry in scored if entry["outcome"] == "started"]
    assert len(started) == 1
    scoring = _json("execution", "describe", started[0]["execution_id"])
    assert scoring["pipeline"] == "batch-inference" and scoring["status"] == "Succeeded"
    assert scoring["parameters"]["InputData"] == str(drifted)

    retrained = [
        e for e in _json("rule", "history", "retrain-on-drift") if e["outcome"] == "started"
    ]
    assert len(retrained) == 1
    second = _json("registry", "describe", "customer-churn/2")
    assert second["status"] == "PendingManualApproval"  # retrained, waiting for a person
    assert second["execution_id"] == retrained[0]["execution_id"]

    trail = [
        (e["type"], e["version"]) for e in _json("registry", "events", "--limit", "1000")
    ]  # what happened, in order: approval, then drift, then the retrained version
    approved = trail.index(("ModelVersionStatusChanged", 1))
    drift = trail.index(("DataQualityViolations", 1), approved)
    assert trail.index(("ModelVersionRegistered", 2)) > drift
