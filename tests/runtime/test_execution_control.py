"""Stopping executions (from another shell, by Ctrl-C) and finding runners that died."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys

import pytest

from support.cli import run_batchops
from support.napper import Napper, describe, is_running, steps, wait_until


def test_stop_ends_a_background_execution_stopped_and_retry_resumes_it(napper: Napper) -> None:
    execution_id = napper.start_in_background()
    nap_pid = napper.wait_for_nap()

    stopped = run_batchops("execution", "stop", execution_id, "--wait", "--timeout", "60")
    assert stopped.returncode == 0, stopped.stderr
    assert stopped.stdout.strip() == f"execution {execution_id}: Stopped"
    wait_until(lambda: not is_running(nap_pid), 30)

    described = describe(execution_id)
    assert described["status"] == "Stopped"
    assert described["failure_reason"] == "stopped by tester"
    assert described["stop_requested_by"] == "tester"
    by_name = steps(described)
    assert by_name["Nap"]["status"] == "Stopped"
    assert by_name["Nap"]["failure_reason"] == "stopped by tester"
    assert by_name["After"]["status"] == "NotExecuted"

    again = run_batchops("execution", "stop", execution_id)
    assert again.returncode == 0
    assert "already Stopped" in again.stdout

    napper.release()
    retried = run_batchops("execution", "retry", execution_id, "--wait", "--json")
    assert retried.returncode == 0, retried.stderr
    resumed = json.loads(retried.stdout)
    assert resumed["status"] == "Succeeded"
    assert resumed["attempt"] == 2
    assert steps(resumed)["After"]["properties"]["Outputs"]["note"] == "napped and after"


def test_stop_of_a_finished_execution_is_refused(napper: Napper) -> None:
    napper.release()
    finished = run_batchops("pipeline", "start", "napper", "--wait", "--json")
    assert finished.returncode == 0, finished.stderr
    execution_id = json.loads(finished.stdout)["id"]

    refused = run_batchops("execution", "stop", execution_id)
    assert refused.returncode == 2
    assert refused.stderr.strip() == (
        f"error: execution {execution_id} already ended Succeeded; there is nothing to stop"
    )
    assert run_batchops("execution", "stop", "nosuchid").returncode == 2


def test_ctrl_c_on_wait_stops_the_execution_and_says_how_to_resume(napper: Napper) -> None:
    waiting = subprocess.Popen(
        [sys.executable, "-m", "batchops.cli.main", "pipeline", "start", "napper", "--wait"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        nap_pid = napper.wait_for_nap()
        waiting.send_signal(signal.SIGINT)
        out, err = waiting.communicate(timeout=60)
    finally:
        if waiting.poll() is None:
            waiting.kill()
    assert waiting.returncode == 130, err
    execution_id = json.loads(run_batchops("execution", "list", "--json").stdout)[0]["id"]
    assert f"execution {execution_id}: Stopped" in out
    assert f"resume it with: batchops execution retry {execution_id}" in err
    assert not is_running(nap_pid)

    by_name = steps(describe(execution_id))
    assert by_name["Nap"]["status"] == "Stopped"
    assert by_name["After"]["status"] == "NotExecuted"

    napper.release()
    retried = run_batchops("execution", "retry", execution_id, "--wait")
    assert retried.returncode == 0, retried.stderr
    assert describe(execution_id)["status"] == "Succeeded"


def test_an_execution_whose_runner_was_killed_fails_after_the_heartbeat_timeout(
    napper: Napper, monkeypatch: pytest.MonkeyPatch
) -> None:
    execution_id = napper.start_in_background()
    napper.wait_for_nap()
    runner = describe(execution_id)["runner"]
    assert runner["host"] and runner["pid"] != os.getpid()
    os.kill(runner["pid"], signal.SIGKILL)

    monkeypatch.setenv("BATCHOPS_HEARTBEAT_TIMEOUT", "2")

    def failed() -> dict[str, object] | None:
        listed = json.loads(run_batchops("execution", "list", "--json").stdout)
        return next((e for e in listed if e["status"] == "Failed"), None)

    row = wait_until(failed, 30, poll=0.5)
    assert row["id"] == execution_id
    assert str(row["failure_reason"]).startswith(
        "the runner stopped responding: no heartbeat since "
    )
    assert steps(describe(execution_id))["Nap"]["status"] == "Failed"

    napper.release()
    retried = run_batchops("execution", "retry", execution_id, "--wait")
    assert retried.returncode == 0, retried.stderr
    assert describe(execution_id)["status"] == "Succeeded"


def test_a_bad_heartbeat_timeout_is_one_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BATCHOPS_HEARTBEAT_TIMEOUT", "soon")
    result = run_batchops("execution", "list")
    assert result.returncode == 2
    assert "BATCHOPS_HEARTBEAT_TIMEOUT='soon' must be a positive number of seconds" in result.stderr
