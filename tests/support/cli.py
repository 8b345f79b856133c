"""The real `batchops` command, run in a subprocess as a user would run it."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping


def run_batchops(
    *args: str, timeout: float = 120, env: Mapping[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """`batchops ARGS…` with this interpreter and the test's environment (its home, its
    database), changed by `env` where given; output captured as text."""
    return subprocess.run(
        [sys.executable, "-m", "batchops.cli.main", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=None if env is None else {**os.environ, **env},
    )
