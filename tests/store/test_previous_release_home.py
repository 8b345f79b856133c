"""A home made by the previous release (0.1.0, `batchops demo`) opens, migrates and keeps working.

The fixture is that release's SQLite file as `batchops demo` left it: both pipelines' stored
definitions, three executions, version 1 of customer-churn approved by alice, three registry
events. Its artifact files are not shipped (their URIs point at the machine that made them),
so this checks what the database holds and that new work lands after the old.
"""

from __future__ import annotations

import gzip
import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from batchops.examples.churn.data import write_churn_csv
from support.cli import run_batchops

FIXTURE = Path(__file__).with_name("fixtures") / "home-0.1.0.db.gz"


def _json(*args: str) -> Any:
    result = run_batchops(*args, "--json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.fixture
def old_home(batchops_home: Path) -> Path:
    batchops_home.mkdir(parents=True)
    with gzip.open(FIXTURE) as packed, open(batchops_home / "batchops.db", "wb") as database:
        shutil.copyfileobj(packed, database)
    return batchops_home


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

    events = _json("registry", "events")
    assert [(e["position"], e["type"]) for e in events] == [
        (1, "ModelGroupCreated"),
        (2, "ModelVersionRegistered"),
        (3, "ModelVersionStatusChanged"),
    ]


@pytest.mark.slow
def test_new_work_lands_after_the_old(old_home: Path, tmp_path: Path) -> None:
    raw = write_churn_csv(tmp_path / "churn.csv", 2000, seed=3)
    run = _json("pipeline", "start", "train-and-baseline", "-p", f"InputData={raw}", "--wait")
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
