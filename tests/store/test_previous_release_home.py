"""A home made by the previous release (0.1.0, `batchops demo`) opens, migrates and keeps working.

The fixture is that release's home as `batchops demo` left it, with its files (see
fixtures/README.md): both pipelines' stored definitions, three executions, version 1 of
customer-churn approved by alice, three registry events. It is unpacked into the test's home
and its stored URIs moved there, as a user moving a home would, so it works on any machine.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from batchops.examples.churn.data import write_churn_csv
from support.cli import run_batchops
from support.release_home import MADE_AT, unpack_release_home


def _json(*args: str) -> Any:
    result = run_batchops(*args, "--json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.fixture
def old_home(batchops_home: Path) -> Path:
    return unpack_release_home(batchops_home)


def test_the_stored_definitions_executions_and_versions_read_as_before(old_home: Path) -> None:
    pipelines = {p["name"]: p for p in _json("pipeline", "list")}
    assert {"train-and-baseline", "batch-inference"} <= set(pipelines)
    definition = _json("pipeline", "show", "train-and-baseline")
    assert [s["Name"] for s in definition["definition"]["Steps"]][:3] == [
        "PrepareData",
        "TrainModel",
        "EvaluateModel",
    ]

    executions = _json("execution", "list")
    assert len(executions) == 3
    assert {e["status"] for e in executions} == {"Succeeded"}
    trained = next(e for e in executions if e["pipeline"] == "train-and-baseline")
    described = _json("execution", "describe", trained["id"])
    assert described["steps"][0]["name"] == "PrepareData"
    assert described["steps"][0]["status"] == "Succeeded"

    version = _json("registry", "describe", "customer-churn/1")
    assert version["status"] == "Approved"
    assert version["execution_id"] == trained["id"]
    assert version["metrics"]["accuracy"] > 0.8
    assert [c["to"] for c in version["approval_history"]] == ["PendingManualApproval", "Approved"]
    assert version["approval_history"][-1]["user"] == "alice"
    lineage = _json("registry", "lineage", "customer-churn/1")
    assert lineage["produced_by"]["id"] == trained["id"]
    assert len(lineage["used_by"]) == 2  # the demo's two batch-inference runs

    # The upgrade moved the version's files into its own folder, every one of them found.
    assert _json("registry", "verify", "customer-churn/1") == [
        {"version": "customer-churn/1", "ok": True, "problems": []}
    ]
    assert version["model_data_uri"].startswith(str(old_home / "artifacts" / "registry"))
    assert MADE_AT not in json.dumps(described)

    events = _json("registry", "events")
    assert [(e["position"], e["type"]) for e in events] == [
        (1, "ModelGroupCreated"),
        (2, "ModelVersionRegistered"),
        (3, "ModelVersionStatusChanged"),
    ]


@pytest.mark.slow
def test_new_work_lands_after_the_old(old_home: Path, tmp_path: Path) -> None:
    raw = write_churn_csv(tmp_path / "churn.csv", 2000, seed=3)
    # The gate against the old champion is not what this checks (their AUCs are 0.001 apart).
    run = _json(
        "pipeline",
        "start",
        "train-and-baseline",
        "-p",
        f"InputData={raw}",
        "-p",
        "ChallengerMargin=-1",
        "--wait",
    )
    assert run["status"] == "Succeeded", run["failure_reason"]
    version = _json("registry", "describe", "customer-churn/2")
    assert version["status"] == "PendingManualApproval"
    assert _json("registry", "latest", "customer-churn")["version"] == 1
    events = _json("registry", "events", "--after", "3")
    assert [(e["position"], e["type"], e["version"]) for e in events] == [
        (4, "ModelVersionRegistered", 2),
        (5, "ExecutionStatusChanged", None),  # the run's end, appended by the runtime
    ]
    assert len(_json("execution", "list")) == 4


@pytest.mark.slow
def test_a_champion_whose_files_are_gone_is_reported_and_left_out(
    old_home: Path, tmp_path: Path
) -> None:
    """Retraining is what a broken champion needs: the run goes on without it, says why in
    its step log and as an event, and the new version still waits for approval."""
    trained = next(old_home.glob("artifacts/pipelines/train-and-baseline/executions/*"))
    (trained / "TrainModel" / "model" / "model.tar.gz").unlink()  # before the upgrade copies it
    raw = write_churn_csv(tmp_path / "churn.csv", 2000, seed=3)
    run = _json("pipeline", "start", "train-and-baseline", "-p", f"InputData={raw}", "--wait")
    assert run["status"] == "Succeeded", run["failure_reason"]
    steps = {s["name"]: s for s in run["steps"]}
    problem = steps["GetChampionModel"]["properties"]["Outputs"]["champion_problem"]
    assert "customer-churn/1 cannot be used" in problem
    assert "model.tar.gz: missing since the registry was upgraded" in problem
    assert steps["GetChampionModel"]["properties"]["Outputs"]["model_uri"] == ""
    log = run_batchops("execution", "logs", run["id"], "GetChampionModel").stdout
    assert "model.tar.gz: missing since the registry was upgraded" in log

    assert _json("registry", "describe", "customer-churn/2")["status"] == "PendingManualApproval"
    assert _json("registry", "latest", "customer-churn")["version"] == 1  # still the approved one
    unusable = [
        e
        for e in _json("registry", "events", "--after", "3")
        if e["type"] != ("ExecutionStatusChanged")
    ]
    assert [(e["type"], e["version"]) for e in unusable] == [
        ("ModelVersionUnusable", 1),
        ("ModelVersionRegistered", 2),
    ]
    assert unusable[0]["detail"]["execution_id"] == run["id"]
    assert any("model.tar.gz" in p for p in unusable[0]["detail"]["problems"])
