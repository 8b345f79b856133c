"""A stored definition is the same bytes whatever the home, working folder or place of the code
that stored it: scripts are kept in the artifact store by digest, the example's defaults name
the home without naming a path. Runs execute the stored bytes."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from batchops.errors import InvalidInput
from batchops.pipeline import Pipeline, ProcessingOutput, ProcessingStep
from batchops.runtime.execution import start_execution

PIPELINE_MODULE = """
from pathlib import Path

from batchops.pipeline import Pipeline, ProcessingOutput, ProcessingStep

pipeline = Pipeline(
    "copy",
    [],
    [
        ProcessingStep(
            "Copy",
            code=Path(__file__).with_name("job.py"),
            outputs=[ProcessingOutput("out", "/opt/ml/processing/out")],
        )
    ],
)
"""
#: The pipelines the installed examples provide (churn's and abalone's).
EXAMPLES = (
    "train-and-baseline",
    "batch-inference",
    "abalone-train-and-baseline",
    "abalone-batch-inference",
)
JOB = "import os\nopen(os.environ['BATCHOPS_PROCESSING_DIR'] + '/out/done.txt', 'w').write('ok')\n"


def _batchops(home: Path, cwd: Path, *args: str, path: Path | None = None) -> str:
    env = {**os.environ, "BATCHOPS_HOME": str(home)}
    if path is not None:
        env["PYTHONPATH"] = str(path)
    done = subprocess.run(
        [sys.executable, "-m", "batchops.cli.main", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def _stored(home: Path) -> dict[str, list[tuple[int, str, str]]]:
    """Each pipeline's stored versions as the database holds them: number, JSON text, digest."""
    with sqlite3.connect(home / "batchops.db") as database:
        rows = database.execute(
            "SELECT pipeline_name, version, definition, digest FROM pipeline_versions"
        ).fetchall()
    found: dict[str, list[tuple[int, str, str]]] = {}
    for name, version, definition, digest in sorted(rows):
        found.setdefault(name, []).append((version, definition, digest))
    return found


def _code_folder(root: Path) -> Path:
    root.mkdir(parents=True)
    (root / "mypipes.py").write_text(PIPELINE_MODULE)
    (root / "job.py").write_text(JOB)
    return root


def test_the_same_pipelines_store_the_same_bytes_from_two_homes_and_folders(
    tmp_path: Path,
) -> None:
    homes = [tmp_path / "first" / "home", tmp_path / "second" / "elsewhere"]
    for index, home in enumerate(homes):
        code = _code_folder(tmp_path / f"code-{index}")  # the same script, another place
        cwd = tmp_path / f"cwd-{index}"
        cwd.mkdir()
        _batchops(home, cwd, "pipeline", "list")  # stores the example's pipelines
        _batchops(home, cwd, "pipeline", "upsert", "mypipes:pipeline", path=code)
    first, second = (_stored(home) for home in homes)
    assert set(first) == {*EXAMPLES, "copy"}
    assert first == second  # byte for byte, digests included
    for name, default in (
        ("train-and-baseline", "${BATCHOPS_HOME}/examples/churn/churn-5000.csv"),
        ("abalone-train-and-baseline", "${BATCHOPS_HOME}/examples/abalone/abalone-4000.csv"),
    ):
        definition = json.loads(first[name][0][1])
        assert str(homes[0]) not in json.dumps(definition)
        assert definition["Parameters"][0]["DefaultValue"] == default


def test_starting_again_from_another_folder_stores_no_new_version(tmp_path: Path) -> None:
    home = tmp_path / "home"
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
        _batchops(home, tmp_path / name, "pipeline", "list")
    # batch-inference fails at once (no approved model), after its start was recorded
    command = ["pipeline", "start", "batch-inference", "--wait"]
    failed = subprocess.run(
        [sys.executable, "-m", "batchops.cli.main", *command],
        cwd=tmp_path / "a",
        env={**os.environ, "BATCHOPS_HOME": str(home)},
        capture_output=True,
        text=True,
    )
    assert failed.returncode == 1, failed.stderr
    assert {name: len(versions) for name, versions in _stored(home).items()} == {
        name: 1 for name in EXAMPLES
    }
    executions = json.loads(_batchops(home, tmp_path / "b", "execution", "list", "--json"))
    assert executions[0]["parameters"]["InputData"] == str(home / "examples/churn/batch.csv")


def test_a_run_executes_the_stored_code_once_the_script_is_gone(tmp_path: Path) -> None:
    script = tmp_path / "job.py"
    script.write_text(JOB)
    step = ProcessingStep("Copy", code=script, outputs=[ProcessingOutput("out", "out")])
    Pipeline("copy", [], [step]).upsert()
    script.unlink()
    ran = start_execution("copy", None, {}, wait=True).record()
    assert ran.status == "Succeeded", ran.failure_reason
    assert (Path(ran.step("Copy").outputs["out"]) / "done.txt").read_text() == "ok"


def test_a_changed_snapshot_is_refused(tmp_path: Path, batchops_home: Path) -> None:
    script = tmp_path / "job.py"
    script.write_text(JOB)
    step = ProcessingStep("Copy", code=script, outputs=[ProcessingOutput("out", "out")])
    Pipeline("copy", [], [step]).upsert()
    stored = batchops_home / "artifacts" / step.code
    stored.write_text(JOB + "print('changed')\n")
    ran = start_execution("copy", None, {}, wait=True).record()
    assert ran.status == "Failed"
    assert "no longer matches its digest" in (ran.step("Copy").failure_reason or "")


def test_code_that_cannot_be_read_is_refused_when_the_step_is_made(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="cannot read the code"):
        ProcessingStep("Copy", code=tmp_path / "missing.py")
