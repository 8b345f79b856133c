"""A pipeline whose first step naps until released, for stopping and killing runs in tests.

`write_napper(folder)` writes a module `napper_pipes` into `folder`; its pipeline `napper`
has a ProcessingStep `Nap` (a script that writes its pid, then sleeps until `release`
exists, and publishes `out/result.txt`) and a FunctionStep `After` that depends on it.
"""

from __future__ import annotations

import json
import os
import textwrap
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from support.cli import run_batchops

SCRIPT = """
import os, sys, time
from pathlib import Path

control = Path(os.environ["NAP_CONTROL"])
base = Path(os.environ["BATCHOPS_PROCESSING_DIR"])
(base / "out").mkdir(parents=True, exist_ok=True)
(base / "out" / "result.txt").write_text("rested\\n")
if not (control / "release").exists():
    (control / "nap.pid").write_text(str(os.getpid()))
    deadline = time.monotonic() + 120
    while not (control / "release").exists() and time.monotonic() < deadline:
        time.sleep(0.1)
print("awake")
"""

MODULE = """
from batchops.pipeline import FunctionStep, Pipeline, ProcessingOutput, ProcessingStep


def after(note):
    return {{"note": note + " and after"}}


nap = ProcessingStep(
    "Nap",
    code={script!r},
    outputs=[ProcessingOutput("out", "/opt/ml/processing/out")],
    environment={{"NAP_CONTROL": {control!r}}},
)
then = FunctionStep(
    "After", function=after, inputs={{"note": "napped"}}, outputs=["note"], depends_on=[nap]
)
pipeline = Pipeline("napper", [], [nap, then])
"""


class Napper:
    """The napping pipeline of one test: its control folder and helpers around it."""

    def __init__(self, folder: Path) -> None:
        self.control = folder / "control"
        self.control.mkdir(parents=True)
        script = folder / "nap.py"
        script.write_text(SCRIPT)
        module = MODULE.format(script=str(script), control=str(self.control))
        (folder / "napper_pipes.py").write_text(textwrap.dedent(module))
        upserted = run_batchops("pipeline", "upsert", "napper_pipes:pipeline")
        assert upserted.returncode == 0, upserted.stderr

    @property
    def pid_file(self) -> Path:
        return self.control / "nap.pid"

    def release(self) -> None:
        (self.control / "release").write_text("")

    def start_in_background(self) -> str:
        started = run_batchops("pipeline", "start", "napper", "--json")
        assert started.returncode == 0, started.stderr
        execution_id: str = json.loads(started.stdout)["id"]
        return execution_id

    def wait_for_nap(self) -> int:
        """The napping script's pid, once it naps."""
        wait_until(lambda: self.pid_file.exists() and self.pid_file.read_text(), 60)
        return int(self.pid_file.read_text())


def describe(execution_id: str) -> dict[str, Any]:
    result = run_batchops("execution", "describe", execution_id, "--json")
    assert result.returncode == 0, result.stderr
    described: dict[str, Any] = json.loads(result.stdout)
    return described


def steps(described: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {step["name"]: step for step in described["steps"]}


def is_running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie nobody reaped yet is gone for our purpose
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return True
    return state != "Z"


def wait_until(condition: Callable[[], Any], timeout: float, poll: float = 0.1) -> Any:
    """Poll `condition` until it holds; its value. Fails the test after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"still not true after {timeout} s: {condition}")
        time.sleep(poll)
