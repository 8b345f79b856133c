"""The README's tour runs as written: every ```sh block but the set-up one, in order, in an
empty folder, with `set -euo pipefail`, so the README cannot drift from the code."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"
_BLOCK = re.compile(r"^```sh\n(.*?)^```", re.DOTALL | re.MULTILINE)


def tour_blocks() -> list[str]:
    """The README's shell blocks, set-up (`make …`) excluded."""
    blocks = _BLOCK.findall(README.read_text(encoding="utf-8"))
    return [block for block in blocks if not block.lstrip().startswith("make ")]


def test_the_tour_has_the_blocks_a_reader_follows() -> None:
    blocks = tour_blocks()
    assert len(blocks) >= 5
    assert not any("ID " in line.split("#")[0] for block in blocks for line in block.split("\n"))


@pytest.mark.slow
def test_the_readme_tour_runs_top_to_bottom(tmp_path: Path) -> None:
    folder = tmp_path / "tour"
    folder.mkdir()
    script = "set -euo pipefail\nset -x\n" + "\n".join(tour_blocks())
    env = {
        **os.environ,
        "BATCHOPS_HOME": str(folder / ".batchops"),
        "PATH": os.pathsep.join([str(Path(sys.executable).parent), os.environ["PATH"]]),
    }
    result = subprocess.run(
        ["bash", "-c", script],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=1800,
    )
    assert result.returncode == 0, (
        f"the tour stopped (exit {result.returncode}):\n{result.stderr[-6000:]}"
    )
    assert "violations found, as expected" in result.stdout
    assert (folder / "predictions" / "batch.csv.out").exists()
    assert (folder / "prod").is_dir()
