"""The command line's contract: exit codes, one JSON value with --json, clear errors."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from support.cli import run_batchops


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return run_batchops(*args)


def test_help_lists_the_command_groups() -> None:
    result = run("--help")
    assert result.returncode == 0
    for group in (
        "pipeline",
        "execution",
        "registry",
        "data",
        "baseline",
        "monitor",
        "transform",
        "demo",
    ):
        assert group in result.stdout


def test_pipeline_list_shows_the_builtin_pipelines_as_json() -> None:
    result = run("pipeline", "list", "--json")
    assert result.returncode == 0, result.stderr
    names = [p["name"] for p in json.loads(result.stdout)]
    assert names == [
        "abalone-batch-inference",
        "abalone-train-and-baseline",
        "batch-inference",
        "train-and-baseline",
    ]


def test_show_gives_parameters_and_steps_in_order() -> None:
    result = run("pipeline", "show", "train-and-baseline")
    assert result.returncode == 0
    for name in (
        "InputData",
        "MinAccuracy",
        "ModelPackageGroup",
        "PrepareData",
        "TrainModel",
        "EvaluateModel",
        "PerformanceConditionalCheck",
        "DataQualityCheckStep",
        "RegisterModel",
    ):
        assert name in result.stdout


def test_unknown_pipeline_exits_2_naming_it() -> None:
    result = run("pipeline", "start", "nope", "--wait")
    assert result.returncode == 2
    assert "unknown pipeline 'nope'" in result.stderr
    assert result.stdout == ""


def test_bad_parameter_exits_2_naming_it(tmp_path: Path) -> None:
    result = run("pipeline", "start", "train-and-baseline", "-p", "MinAccuracy=high", "--wait")
    assert result.returncode == 2
    assert "parameter 'MinAccuracy' expects a float, got 'high'" in result.stderr
    result = run("pipeline", "start", "train-and-baseline", "-p", "Colour=blue", "--wait")
    assert result.returncode == 2 and "unknown parameter 'Colour'" in result.stderr
    result = run("pipeline", "start", "train-and-baseline", "-p", "MinAccuracy", "--wait")
    assert result.returncode == 2 and "expected key=value" in result.stderr


def test_a_missing_input_file_fails_the_job_naming_the_file(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.csv"
    result = run(
        "pipeline", "start", "train-and-baseline", "-p", f"InputData={missing}", "--wait", "--json"
    )
    assert result.returncode == 1
    execution = json.loads(result.stdout)
    assert str(missing) in execution["failure_reason"]
    assert execution["steps"][0]["status"] == "Failed"


def test_unknown_execution_exits_2() -> None:
    for args in (
        ("execution", "describe", "abc"),
        ("execution", "logs", "abc"),
        ("execution", "retry", "abc"),
    ):
        result = run(*args)
        assert result.returncode == 2, args
        assert "unknown execution 'abc'" in result.stderr


def test_unknown_command_exits_2() -> None:
    assert run("frobnicate").returncode == 2


def test_step_messages_are_printed_as_given_not_read_as_markup(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from batchops.cli.execution import print_step_event

    print_step_event("TrainModel", "Failed", "s3://b/[date=2024]/x.csv is missing\nTraceback")
    shown = capsys.readouterr().err
    assert "s3://b/[date=2024]/x.csv is missing" in shown
    assert "Traceback" not in shown
