"""Crash points (batchops.crashpoints) kill a runner where a test says, in this process or in
a background runner through its launcher's command line; what is left is what a real kill
leaves: a dead runner found by its missing heartbeat, a retry that finishes the work."""

from __future__ import annotations

import signal
import time

import pytest

from batchops.crashpoints import CrashPoints, step_ran, step_started
from batchops.errors import InvalidInput
from batchops.runtime.execution import retry_execution
from batchops.store.executions import execution_record, list_executions
from batchops.store.statuses import ExecutionStatus, StepStatus
from support.automation import store_pipeline
from support.crashing import run_crashing


@pytest.fixture(autouse=True)
def quick_heartbeat(monkeypatch: pytest.MonkeyPatch) -> None:
    """A runner silent for 10 s is dead to the readers here (and beats every 2.5 s)."""
    monkeypatch.setenv("BATCHOPS_HEARTBEAT_TIMEOUT", "10")


def _failed_when_its_runner_is_silent(execution_id: str) -> str:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        record = execution_record(execution_id)
        if record.status is not ExecutionStatus.EXECUTING:
            return record.failure_reason or ""
        time.sleep(0.5)
    raise AssertionError(f"execution {execution_id} still Executing")


def test_a_runner_killed_after_recording_a_step_started_is_found_dead_and_retried() -> None:
    store_pipeline("greet")
    crashed = run_crashing([step_started("Say")], "start", "greet")
    assert crashed.returncode == -signal.SIGKILL, crashed.stderr
    (execution,) = list_executions("greet")
    assert "the runner stopped responding" in _failed_when_its_runner_is_silent(execution["id"])
    assert execution_record(execution["id"]).step("Say").status is StepStatus.FAILED
    retried = retry_execution(execution["id"], wait=True).record()
    assert retried.status is ExecutionStatus.SUCCEEDED
    assert retried.step("Say").properties["Outputs"] == {"said": "hello world"}


def test_a_background_runner_dies_where_its_launcher_was_told() -> None:
    store_pipeline("greet")
    started = run_crashing([step_ran("Say")], "start", "greet", "--background")
    assert started.returncode == 0, started.stderr  # the starting process reached no point
    execution_id = started.stdout.strip()
    reason = _failed_when_its_runner_is_silent(execution_id)
    assert "the runner stopped responding" in reason
    say = execution_record(execution_id).step("Say")
    assert say.status is StepStatus.FAILED and not say.properties  # ran, never recorded


def test_an_unknown_point_is_refused() -> None:
    with pytest.raises(InvalidInput, match=r"unknown crash point step\.finished:Say"):
        CrashPoints.of(["step.finished:Say"])
    assert CrashPoints.of([step_ran("Say")]).arguments() == ["--crash-at", "step.ran:Say"]
