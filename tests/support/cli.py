"""The real `batchops` command, run in a subprocess as a user would run it."""

from __future__ import annotations

import subprocess
import sys


def run_batchops(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """`batchops ARGS…` with this interpreter and the test's environment (its home, its
    database); output captured as text."""
    return subprocess.run(
        [sys.executable, "-m", "batchops.cli.main", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
    )
