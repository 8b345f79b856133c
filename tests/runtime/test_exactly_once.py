"""A step killed anywhere (`kill -9` by a crash point) and then retried leaves what one
uninterrupted run leaves: one model version, one event for rules to act on, one set of metric
datapoints, and outputs that are whole or visibly unfinished, never a mix."""

from __future__ import annotations

import json
import signal
import time
from pathlib import Path

import pytest

from batchops import registry
from batchops.crashpoints import (
    output_files,
    register_committed,
    register_published,
    step_ran,
    step_started,
)
from batchops.pipeline import (
    Pipeline,
    ProcessingOutput,
    ProcessingStep,
    RegisterModel,
)
from batchops.pipeline.steps.register import MetricsSource, ModelMetrics
from batchops.runtime.execution import retry_execution
from batchops.store import artifacts, outputs
from batchops.store.events import EventType, read_events
from batchops.store.executions import execution_record, list_executions
from batchops.store.metric_names import VIOLATION_COUNT, model_metric
from batchops.store.metrics import metric_history
from batchops.store.statuses import ExecutionStatus
from support.crashing import run_crashing
from support.models import tiny_model_archive


@pytest.fixture(autouse=True)
def quick_heartbeat(monkeypatch: pytest.MonkeyPatch) -> None:
    """A runner silent for 10 s is dead to the readers here (and beats every 2.5 s)."""
    monkeypatch.setenv("BATCHOPS_HEARTBEAT_TIMEOUT", "10")


def _crash(points: list[str], pipeline: str) -> str:
    """Start `pipeline` in a process killed at `points`; the execution's id."""
    crashed = run_crashing(points, "start", pipeline)
    assert crashed.returncode == -signal.SIGKILL, crashed.stdout + crashed.stderr
    (execution,) = list_executions(pipeline)
    return str(execution["id"])


def _retry_once_found_dead(execution_id: str) -> None:
    """Wait until the runner's silence has the execution Failed, then retry it here."""
    deadline = time.monotonic() + 120
    while execution_record(execution_id).status is ExecutionStatus.EXECUTING:
        assert time.monotonic() < deadline, f"execution {execution_id} still Executing"
        time.sleep(0.5)
    retried = retry_execution(execution_id, wait=True).record()
    assert retried.status is ExecutionStatus.SUCCEEDED, retried.failure_reason


def _crash_then_retry(points: list[str], pipeline: str) -> str:
    execution_id = _crash(points, pipeline)
    _retry_once_found_dead(execution_id)
    return execution_id


def _events(kind: EventType) -> list[dict]:
    return [e.to_json() for e in read_events(limit=1000) if e.type == kind]


def _register_pipeline(tmp_path: Path) -> None:
    model = tmp_path / "model.tar.gz"
    model.write_bytes(tiny_model_archive())
    evaluation = tmp_path / "evaluation.json"
    figures = {"accuracy": {"value": 0.91}, "auc": {"value": 0.95}}
    evaluation.write_text(json.dumps({"binary_classification_metrics": figures}))
    step = RegisterModel(
        "Register",
        model_data=str(model),
        model_package_group_name="once",
        model_metrics=ModelMetrics(model_statistics=MetricsSource(str(evaluation))),
    )
    Pipeline("register-once", [], [step]).upsert()


@pytest.mark.parametrize(
    "point",
    [
        step_started("Register"),
        register_published("Register"),
        register_committed("Register"),
        step_ran("Register"),
    ],
)
def test_registration_killed_at_any_point_and_retried_registers_one_version(
    point: str, tmp_path: Path
) -> None:
    _register_pipeline(tmp_path)
    execution_id = _crash_then_retry([point], "register-once")

    (version,) = registry.list_versions("once")
    assert (version.version, version.execution_id, version.step_name) == (
        1,
        execution_id,
        "Register",
    )
    properties = execution_record(execution_id).step("Register").properties
    assert properties["ModelPackageArn"] == "once/1"
    (event,) = _events(EventType.VERSION_REGISTERED)  # what rules fire on: once
    assert event["version"] == 1
    assert [p["value"] for p in metric_history(model_metric("accuracy"))] == [0.91]
    assert [p["value"] for p in metric_history(model_metric("auc"))] == [0.95]
    # The version's folder is the only one: nothing left of a killed attempt.
    folder = artifacts.local_path(artifacts.registry_version_uri("once", 1))
    assert sorted(p.name for p in folder.parent.iterdir()) == ["1"]
    assert registry.verify_versions("once") == {"once/1": []}  # its files, whole


@pytest.mark.postgres
def test_a_registration_committed_then_killed_is_found_by_the_retry_on_postgresql(
    database: str, tmp_path: Path
) -> None:
    _register_pipeline(tmp_path)
    _crash_then_retry([register_committed("Register")], "register-once")
    assert [v.version for v in registry.list_versions("once")] == [1]
    assert len(_events(EventType.VERSION_REGISTERED)) == 1


def _check_pipeline(tmp_path: Path) -> None:
    from batchops import monitor
    from batchops.examples.churn.data import write_churn_csv
    from batchops.pipeline.steps.quality_check import (
        DataQualityCheckConfig,
        DatasetFormat,
        QualityCheckStep,
    )

    train = write_churn_csv(tmp_path / "train.csv", 500, seed=1)
    baseline = monitor.baseline(str(train), tmp_path / "baseline", header=True)
    drifted = write_churn_csv(tmp_path / "drifted.csv", 500, seed=2, drift="shift")
    step = QualityCheckStep(
        "CheckBatch",
        quality_check_config=DataQualityCheckConfig(str(drifted), DatasetFormat.csv(header=True)),
        skip_check=False,
        register_new_baseline=False,
        fail_on_violation=False,
        supplied_baseline_statistics=baseline.statistics_uri,
        supplied_baseline_constraints=baseline.constraints_uri,
    )
    Pipeline("check-once", [], [step]).upsert()


def test_a_check_killed_after_recording_its_violations_announces_them_once(
    tmp_path: Path,
) -> None:
    _check_pipeline(tmp_path)
    execution_id = _crash_then_retry([step_ran("CheckBatch")], "check-once")

    violations = execution_record(execution_id).step("CheckBatch").properties["Violations"]
    assert violations > 0
    (event,) = _events(EventType.DATA_QUALITY_VIOLATIONS)  # a retrain rule fires once
    assert event["detail"]["execution_id"] == execution_id
    assert [p["value"] for p in metric_history(VIOLATION_COUNT)] == [float(violations)]


WRITE_TWO = """
import os, pathlib, sys
out = pathlib.Path(os.environ["BATCHOPS_PROCESSING_DIR"]) / "out"
out.mkdir(exist_ok=True)
for name in ("a.csv", "b.csv"):
    (out / name).write_text(name + "\\n")
"""


def _writing_pipeline(tmp_path: Path) -> None:
    script = tmp_path / "write.py"
    script.write_text(WRITE_TWO)
    step = ProcessingStep("Write", code=script, outputs=[ProcessingOutput("out", "out")])
    Pipeline("write-once", [], [step]).upsert()


def test_a_local_output_never_shows_its_files_without_their_manifest(tmp_path: Path) -> None:
    _writing_pipeline(tmp_path)
    execution_id = _crash([output_files("Write")], "write-once")
    folder = artifacts.step_output_uri("write-once", execution_id, "Write", "out")
    state = outputs.verify_output(folder)
    # Killed as soon as the folder was in place: it came with its manifest, whole.
    assert state.is_complete, state.describe()
    assert state.manifest is not None and state.manifest.step == "Write"
    assert sorted(state.manifest.names) == ["a.csv", "b.csv"]


def test_an_output_in_an_object_store_killed_before_its_manifest_is_refused_then_rewritten(
    s3_artifacts: str, tmp_path: Path
) -> None:
    _writing_pipeline(tmp_path)
    execution_id = _crash([output_files("Write")], "write-once")
    folder = artifacts.step_output_uri("write-once", execution_id, "Write", "out")
    with pytest.raises(outputs.IncompleteOutput, match="did not finish"):
        outputs.require_complete(folder, "the written files")

    _retry_once_found_dead(execution_id)
    state = outputs.verify_output(folder)
    assert state.is_complete, state.describe()
    assert state.manifest is not None and sorted(state.manifest.names) == ["a.csv", "b.csv"]


def test_a_transform_killed_after_indexing_its_predictions_indexes_each_file_once(
    tmp_path: Path,
) -> None:
    from batchops.pipeline import TransformStep
    from batchops.pipeline.steps.transform import Transformer, TransformInput
    from batchops.store.prediction_files import prediction_sets

    model = tmp_path / "model.tar.gz"
    model.write_bytes(tiny_model_archive())
    batch = tmp_path / "batch"
    batch.mkdir()
    for part in ("part-1.csv", "part-2.csv"):
        (batch / part).write_text("0.1,0.9\n0.7,0.2\n0.4,0.4\n")
    step = TransformStep(
        "Score",
        transformer=Transformer(model_data=str(model)),
        inputs=TransformInput(data=str(batch)),
    )
    Pipeline("score-once", [], [step]).upsert()
    execution_id = _crash_then_retry([step_ran("Score")], "score-once")

    indexed = prediction_sets(execution_id)
    assert len(indexed) == 2  # one row per file, so labels join each prediction once
    assert len({s.uri for s in indexed}) == 2 and all(s.rows == 3 for s in indexed)
