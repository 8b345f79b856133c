"""A full disk ends a run Failed at once, with one line naming the disk and the step.

The probe: a disk filling up during `pipeline start --wait` printed a traceback and left the
execution Executing until its heartbeat timed out. Here the home (database, logs, working
folders, artifacts) is a real, small tmpfs mounted for the test (as root; elsewhere the test
is skipped), filled up by a step's script as a real job would fill it.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from batchops.pipeline import ParameterString, Pipeline, ProcessingOutput, ProcessingStep
from batchops.store.db import dispose_engines
from support.cli import run_batchops

DISK_BYTES = 48 << 20
WRITES = """
import os, sys
out = os.path.join(os.environ["BATCHOPS_PROCESSING_DIR"], "out")
with open(os.path.join(out, "big.bin"), "wb") as handle:
    for _ in range(int(sys.argv[1])):
        handle.write(b"0" * (1 << 20))
"""


@pytest.fixture
def small_disk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A 48 MiB tmpfs holding the whole home."""
    mount = tmp_path / "disk"
    mount.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={DISK_BYTES}", "tmpfs", str(mount)],
        capture_output=True,
        text=True,
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a small file system here: {mounted.stderr.strip()}")
    monkeypatch.setenv("BATCHOPS_HOME", str(mount / "home"))
    dispose_engines()
    try:
        yield mount
    finally:
        dispose_engines()
        subprocess.run(["umount", "-l", str(mount)], check=False)


def _fill(disk: Path, leave: int) -> None:
    """Leave `leave` bytes free on `disk`, as other programs would have filled it."""
    stats = os.statvfs(disk)
    (disk / "filler").write_bytes(bytes(max(0, stats.f_bavail * stats.f_frsize - leave)))


def _pipeline(tmp_path: Path) -> str:
    script = tmp_path / "writes.py"
    script.write_text(WRITES)
    megabytes = ParameterString("Megabytes", "1")
    step = ProcessingStep(
        "WriteBig",
        code=str(script),
        job_arguments=[megabytes],
        outputs=[ProcessingOutput("out", "/opt/ml/processing/out")],
    )
    Pipeline("writer", [megabytes], [step]).upsert()
    return "writer"


def test_a_disk_filling_up_during_a_run_ends_it_failed_at_once_naming_the_disk_and_step(
    small_disk: Path, tmp_path: Path
) -> None:
    name = _pipeline(tmp_path)
    _fill(small_disk, 6 << 20)
    done = run_batchops("pipeline", "start", name, "-p", "Megabytes=16", "--wait", "--json")
    assert done.returncode == 1, done.stderr
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("failed: step WriteBig failed: no space left on the disk mounted at")
    assert f"mounted at {small_disk} (" in last and "WriteBig" in last
    described = json.loads(done.stdout)
    assert described["status"] == "Failed" and described["ended_at"]  # at once, not by heartbeat
    (step,) = described["steps"]
    assert step["status"] == "Failed" and "\n" not in step["failure_reason"]
    listed = run_batchops("execution", "list", "--json")
    assert [e["status"] for e in json.loads(listed.stdout)] == ["Failed"]
    (small_disk / "filler").unlink()  # room again: the same execution retries and succeeds
    retried = run_batchops("execution", "retry", described["id"], "--wait")
    assert retried.returncode == 0, retried.stderr


def test_a_run_is_not_begun_on_a_disk_with_no_room_to_record_it(
    small_disk: Path, tmp_path: Path
) -> None:
    name = _pipeline(tmp_path)
    _fill(small_disk, 64 << 10)
    done = run_batchops("pipeline", "start", name, "--wait")
    assert done.returncode == 2 and done.stderr.count("\n") == 1, done.stderr
    assert f"no space left on the disk mounted at {small_disk}" in done.stderr
    assert "starting an execution of writer" in done.stderr
    (small_disk / "filler").unlink()
    assert json.loads(run_batchops("execution", "list", "--json").stdout) == []
