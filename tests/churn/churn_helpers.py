"""Running the churn processing scripts as the pipeline runtime does (imported by the tests)."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import batchops.examples.churn

SCRIPTS = Path(batchops.examples.churn.__file__).with_name("scripts")


@dataclass
class ScriptRun:
    code: int
    stdout: str
    stderr: str


def run_script(name: str, base: Path, *args: str) -> ScriptRun:
    """Run a processing script as the pipeline runtime does: a subprocess with its work dir."""
    done = subprocess.run(
        [sys.executable, str(SCRIPTS / name), *args],
        env={**os.environ, "BATCHOPS_PROCESSING_DIR": str(base)},
        cwd=base,
        capture_output=True,
        text=True,
        timeout=120,
    )
    return ScriptRun(done.returncode, done.stdout, done.stderr)
