"""Helpers for end-to-end tests: the real `batchops` command in a subprocess, real exit codes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from typing import Any

import pytest


@dataclass
class Result:
    code: int
    stdout: str
    stderr: str

    def json(self) -> Any:
        return json.loads(self.stdout)


def run_cli(*args: str, timeout: float = 600) -> Result:
    process = subprocess.run(
        [sys.executable, "-m", "batchops.cli.main", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=os.environ.copy(),
    )
    return Result(process.returncode, process.stdout, process.stderr)


@pytest.fixture
def cli() -> Any:
    return run_cli
