"""The executor on real subprocess steps: statuses, failure, retry, caching, concurrency."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

from batchops.pipeline import (
    CacheConfig,
    ConditionGreaterThanOrEqualTo,
    ConditionStep,
    FailStep,
    Join,
    JsonGet,
    ParameterFloat,
    ParameterString,
    Pipeline,
    ProcessingInput,
    ProcessingOutput,
    ProcessingStep,
    PropertyFile,
)
from batchops.runtime.execution import retry_execution
from batchops.runtime.executor import logs_of

WRITE = """
import os, sys, time, pathlib
base = pathlib.Path(os.environ["BATCHOPS_PROCESSING_DIR"])
inputs = sorted(p.name for p in (base / "input").glob("*")) if (base / "input").exists() else []
(base / "out").mkdir(exist_ok=True)
(base / "out" / "result.txt").write_text(sys.argv[1] + "|" + ",".join(inputs))
(base / "out" / "started").write_text(str(time.time()))
time.sleep(float(sys.argv[2]) if len(sys.argv) > 2 else 0)
(base / "out" / "ended").write_text(str(time.time()))
print("wrote", sys.argv[1])
"""

FAIL_UNLESS_MARKER = """
import os, sys, pathlib
base = pathlib.Path(os.environ["BATCHOPS_PROCESSING_DIR"])
if not (base / "flags" / "marker").exists():
    print("the marker is missing, giving up", file=sys.stderr)
    sys.exit(3)
(base / "out").mkdir(exist_ok=True)
(base / "out" / "ok.txt").write_text("ok")
"""

EVALUATE = """
import json, os, sys, pathlib
base = pathlib.Path(os.environ["BATCHOPS_PROCESSING_DIR"])
(base / "evaluation").mkdir(exist_ok=True)
doc = {"binary_classification_metrics": {"accuracy": {"value": float(sys.argv[1])}}}
(base / "evaluation" / "evaluation.json").write_text(json.dumps(doc))
"""


def _script(tmp_path: Path, name: str, body: str) -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(body))
    return path


def _read_output(execution: dict, step: str, output: str, name: str) -> str:
    row = next(s for s in execution["steps"] if s["name"] == step)
    return (
        Path(row["properties"]["ProcessingOutputConfig"]["Outputs"][output]["S3Output"]["S3Uri"])
        / name
    ).read_text()


def test_independent_steps_run_in_parallel_and_outputs_flow_downstream(tmp_path: Path) -> None:
    write = _script(tmp_path, "write.py", WRITE)
    left = ProcessingStep(
        "Left", code=write, job_arguments=["left", "1.0"], outputs=[ProcessingOutput("out", "out")]
    )
    right = ProcessingStep(
        "Right",
        code=write,
        job_arguments=["right", "1.0"],
        outputs=[ProcessingOutput("out", "out")],
    )
    join = ProcessingStep(
        "Join",
        code=write,
        job_arguments=["join"],
        inputs=[
            ProcessingInput(
                left.properties.ProcessingOutputConfig.Outputs["out"].S3Output.S3Uri, "input"
            )
        ],
        outputs=[ProcessingOutput("out", "out")],
        depends_on=[right],
    )
    events: list[tuple[str, str]] = []
    execution = Pipeline("par", [], [left, right, join]).start(
        wait=True, on_event=lambda step, status, _m: events.append((step, status))
    )
    described = execution.describe()
    assert described["status"] == "Succeeded", described["failure_reason"]
    assert [s["status"] for s in described["steps"]] == ["Succeeded"] * 3
    # both one-second steps overlapped: each started before the other ended
    l_start = float(_read_output(described, "Left", "out", "started"))
    r_start = float(_read_output(described, "Right", "out", "started"))
    l_end = float(_read_output(described, "Left", "out", "ended"))
    r_end = float(_read_output(described, "Right", "out", "ended"))
    assert l_start < r_end and r_start < l_end
    # the downstream step saw the upstream output files
    assert _read_output(described, "Join", "out", "result.txt").startswith("join|")
    assert "result.txt" in _read_output(described, "Join", "out", "result.txt")
    assert ("Join", "Succeeded") in events
    assert "wrote left" in logs_of(execution.id, "Left")["Left"]


def test_a_failing_step_fails_the_execution_skips_dependents_and_retry_resumes(
    tmp_path: Path, database: str
) -> None:
    write = _script(tmp_path, "write.py", WRITE)
    flaky = _script(tmp_path, "flaky.py", FAIL_UNLESS_MARKER)
    flags = tmp_path / "flags"
    flags.mkdir()
    first = ProcessingStep(
        "First", code=write, job_arguments=["first"], outputs=[ProcessingOutput("out", "out")]
    )
    second = ProcessingStep(
        "Second",
        code=flaky,
        inputs=[
            ProcessingInput(
                first.properties.ProcessingOutputConfig.Outputs["out"].S3Output.S3Uri, "input"
            ),
            ProcessingInput(str(flags), "flags"),
        ],
        outputs=[ProcessingOutput("out", "out")],
    )
    third = ProcessingStep("Third", code=write, job_arguments=["third"], depends_on=[second])
    pipeline = Pipeline("flaky", [], [first, second, third])
    execution = pipeline.start(wait=True)
    described = execution.describe()
    assert described["status"] == "Failed"
    statuses = {s["name"]: s["status"] for s in described["steps"]}
    assert statuses == {"First": "Succeeded", "Second": "Failed", "Third": "Skipped"}
    assert "the marker is missing, giving up" in described["failure_reason"]
    assert "exited with code 3" in described["failure_reason"]
    first_output = _read_output(described, "First", "out", "started")

    (flags / "marker").write_text("present")
    retried = retry_execution(execution.id, wait=True).describe()
    assert retried["status"] == "Succeeded"
    steps = {s["name"]: s for s in retried["steps"]}
    assert steps["First"]["attempt"] == 1  # not run again
    assert steps["Second"]["attempt"] == 2
    assert _read_output(retried, "First", "out", "started") == first_output


def test_a_failing_condition_runs_the_fail_step_with_its_message(tmp_path: Path) -> None:
    evaluate = _script(tmp_path, "evaluate.py", EVALUATE)
    write = _script(tmp_path, "write.py", WRITE)
    threshold = ParameterFloat("MinAccuracy", 0.7)
    report = PropertyFile("EvaluationReport", "evaluation", "evaluation.json")
    step = ProcessingStep(
        "Evaluate",
        code=evaluate,
        job_arguments=["0.55"],
        outputs=[ProcessingOutput("evaluation", "evaluation")],
        property_files=[report],
    )
    accuracy = JsonGet(step, report, "binary_classification_metrics.accuracy.value")
    good = ProcessingStep("Register", code=write, job_arguments=["ok"])
    fail = FailStep(
        "AccuracyTooLow", error_message=Join(" ", ["accuracy", accuracy, "is below", threshold])
    )
    check = ConditionStep(
        "Check",
        conditions=[ConditionGreaterThanOrEqualTo(accuracy, threshold)],
        if_steps=[good],
        else_steps=[fail],
    )
    pipeline = Pipeline("cond", [threshold], [step, check])
    described = pipeline.start(wait=True).describe()
    assert described["status"] == "Failed"
    assert described["failure_reason"] == "accuracy 0.55 is below 0.7"
    statuses = {s["name"]: s["status"] for s in described["steps"]}
    assert statuses["Register"] == "NotExecuted"
    assert statuses["AccuracyTooLow"] == "Failed"

    passed = pipeline.start({"MinAccuracy": "0.5"}, wait=True).describe()
    assert passed["status"] == "Succeeded"
    statuses = {s["name"]: s["status"] for s in passed["steps"]}
    assert statuses["Register"] == "Succeeded" and statuses["AccuracyTooLow"] == "NotExecuted"


def test_caching_reuses_outputs_until_the_input_changes(tmp_path: Path, database: str) -> None:
    write = _script(tmp_path, "write.py", WRITE)
    data = tmp_path / "data.csv"
    data.write_text("a,b\n1,2\n")
    source = ParameterString("InputData", str(data))
    step = ProcessingStep(
        "Cached",
        code=write,
        job_arguments=["x"],
        inputs=[ProcessingInput(source, "input")],
        outputs=[ProcessingOutput("out", "out")],
        cache_config=CacheConfig(True, "PT1H"),
    )
    pipeline = Pipeline("cache", [source], [step])
    first = pipeline.start(wait=True).describe()
    second = pipeline.start(wait=True).describe()
    assert second["steps"][0]["cached_from"] == first["id"]
    assert second["steps"][0]["properties"] == first["steps"][0]["properties"]
    data.write_text("a,b\n1,2\n3,4\n")
    third = pipeline.start(wait=True).describe()
    assert third["steps"][0]["cached_from"] is None


def test_two_executions_at_once_on_one_sqlite_file_both_succeed(
    tmp_path: Path, batchops_home: Path
) -> None:
    write = _script(tmp_path, "write.py", WRITE)
    program = textwrap.dedent(
        f"""
        import sys
        from batchops.pipeline import Pipeline, ProcessingStep, ProcessingOutput
        steps = [ProcessingStep(f"S{{i}}", code={str(write)!r}, job_arguments=[str(i)],
                                outputs=[ProcessingOutput("out", "out")]) for i in range(4)]
        execution = Pipeline("concurrent", [], steps).start(wait=True)
        print(execution.describe()["status"])
        """
    )
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", program],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    results = [p.communicate(timeout=120) for p in processes]
    for (out, err), process in zip(results, processes, strict=True):
        assert process.returncode == 0, err
        assert out.strip() == "Succeeded"
    from batchops.store.executions import list_executions

    executions = list_executions("concurrent")
    assert len(executions) == 2 and {e["status"] for e in executions} == {"Succeeded"}


def test_a_missing_input_fails_the_step_naming_the_file(tmp_path: Path) -> None:
    write = _script(tmp_path, "write.py", WRITE)
    source = ParameterString("InputData", str(tmp_path / "absent.csv"))
    step = ProcessingStep(
        "Read", code=write, job_arguments=["x"], inputs=[ProcessingInput(source, "input")]
    )
    described = Pipeline("missing", [source], [step]).start(wait=True).describe()
    assert described["status"] == "Failed"
    assert "absent.csv does not exist" in described["failure_reason"]


def test_start_in_background_and_wait(tmp_path: Path) -> None:
    write = _script(tmp_path, "write.py", WRITE)
    step = ProcessingStep(
        "Bg", code=write, job_arguments=["bg"], outputs=[ProcessingOutput("out", "out")]
    )
    execution = Pipeline("bg", [], [step]).start()
    described = execution.wait(poll_seconds=0.2, timeout=60)
    assert described["status"] == "Succeeded"
    assert json.dumps(described)  # serialisable as the CLI prints it


def test_register_model_reads_the_manifest_of_an_archive_packed_with_dot_paths(
    tmp_path: Path,
) -> None:
    import numpy as np
    import xgboost as xgb

    from batchops import registry
    from batchops.models.manifest import MANIFEST_FILE, MODEL_FILE, ModelManifest
    from batchops.pipeline import RegisterModel

    folder = tmp_path / "model"
    folder.mkdir()
    rows = np.random.default_rng(0).random((20, 2))
    booster = xgb.train({"objective": "binary:logistic"}, xgb.DMatrix(rows, label=rows[:, 0] > 0.5))
    (folder / MODEL_FILE).write_bytes(bytes(booster.save_raw("json")))
    manifest = ModelManifest(feature_names=["tenure", "calls"], n_features=2)
    (folder / MANIFEST_FILE).write_text(manifest.to_json())
    archive = tmp_path / "model.tar.gz"
    # As `tar czf model.tar.gz .` packs it: members named ./xgboost-model and so on.
    subprocess.run(["tar", "czf", str(archive), "."], cwd=folder, check=True)
    step = RegisterModel("Register", model_data=str(archive), model_package_group_name="dots")
    described = Pipeline("dots", [], [step]).start(wait=True).describe()
    assert described["status"] == "Succeeded", described.get("failure_reason")
    version = registry.get_version("dots", 1)
    assert version.custom_metadata["input_columns"] == "tenure,calls"
