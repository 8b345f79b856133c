"""Helpers for end-to-end tests: the real `batchops` command in a subprocess, real exit codes."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pytest

from support.cli import run_batchops


@dataclass
class Result:
    code: int
    stdout: str
    stderr: str

    def json(self) -> Any:
        return json.loads(self.stdout)


def run_cli(*args: str, timeout: float = 600) -> Result:
    process = run_batchops(*args, timeout=timeout)
    return Result(process.returncode, process.stdout, process.stderr)


@pytest.fixture
def cli() -> Any:
    return run_cli
