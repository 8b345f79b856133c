"""The import contracts (pyproject.toml, docs/architecture.md) hold: imports flow one way, and
only the owners of tables reach the database.

import-linter counts imports inside functions too, so a lazy upward import fails here just as
a module-level one does; the only seam allowed is the one the contract names.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_imports_follow_the_layers_and_no_package_has_a_cycle() -> None:
    lint_imports = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run(
        [str(lint_imports), "--no-cache"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert " kept, 0 broken" in result.stdout
    for contract in (
        "Imports flow one way",
        "Pipelines reach the server and the CLI through the runtime's pipeline service",
        "No import cycles between the modules of a package",
        "The entry points and the step runners call the tables' owners, never SQL",
        "The libraries that own no table hold no SQL",
    ):
        assert any(
            line.startswith(contract) and "KEPT" in line for line in result.stdout.splitlines()
        ), contract
