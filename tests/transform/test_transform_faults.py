"""A worker killed mid-job fails the job cleanly; re-running gives identical output."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from transform_data import csv_lines, score

from batchops.errors import InvalidInput
from batchops.transform import transform
from batchops.transform.pool import WORKER_MARK

_RUNNER = """
import sys, time
from batchops.errors import JobFailed
from batchops.transform import transform

def slow(rows):
    print("progress", rows, flush=True)
    time.sleep(float(sys.argv[4]))

try:
    transform(sys.argv[1], sys.argv[2], sys.argv[3], workers=2, max_bytes_per_batch=4096,
              progress=slow)
except JobFailed as error:
    print(f"failed: {error}", file=sys.stderr, flush=True)
    sys.exit(1)
"""


def _worker_pids(parent: int) -> list[int]:
    """Our transform's worker processes: the children of `parent` running the worker loop."""
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            command = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        parent_pid = int(stat.rpartition(")")[2].split()[1])
        if parent_pid == parent and WORKER_MARK.encode() in command:
            pids.append(int(entry.name))
    return sorted(pids)


def _run(model: Path, source: Path, out: Path, pause: float) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", _RUNNER, str(model), str(source), str(out), str(pause)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.mark.skipif(not Path("/proc").exists(), reason="needs /proc to find worker processes")
def test_killed_worker_fails_the_job_then_a_rerun_is_identical(dataset, tmp_path):
    source = tmp_path / "big.csv"
    lines = csv_lines(dataset)
    source.write_text("\n".join(lines * 4) + "\n")
    reference = score(dataset, source, tmp_path / "reference")
    expected = Path(reference.output_files[0]).read_bytes()

    out = tmp_path / "out"
    job = _run(dataset.model, source, out, pause=0.05)
    assert job.stdout is not None
    assert job.stdout.readline().startswith("progress")
    workers = _worker_pids(job.pid)
    assert len(workers) == 2
    os.kill(workers[1], signal.SIGKILL)
    _, stderr = job.communicate(timeout=60)

    assert job.returncode == 1
    assert f"pid {workers[1]}) killed by SIGKILL" in stderr
    assert "big.csv" in stderr
    assert sorted(p.name for p in out.iterdir()) == []  # nothing complete-looking, no temp file
    time.sleep(0.2)
    assert not any(_alive(pid) for pid in workers)

    rerun = _run(dataset.model, source, out, pause=0)
    _, stderr = rerun.communicate(timeout=120)
    assert rerun.returncode == 0, stderr
    assert sorted(p.name for p in out.iterdir()) == ["_batchops_manifest.json", "big.csv.out"]
    assert (out / "big.csv.out").read_bytes() == expected


def _alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rpartition(")")[2].split()[0] != "Z"


def test_failed_run_keeps_earlier_output_and_leaves_no_temporary_file(dataset, tmp_path):
    source = tmp_path / "data.csv"
    source.write_text("\n".join(csv_lines(dataset)) + "\n")
    out = tmp_path / "out"
    first = score(dataset, source, out)
    good = Path(first.output_files[0]).read_bytes()

    lines = csv_lines(dataset)
    lines[2900] = "1,2"
    source.write_text("\n".join(lines) + "\n")
    with pytest.raises(InvalidInput, match="line 2901"):
        score(dataset, source, out, workers=2, max_bytes_per_batch=2048)
    assert sorted(p.name for p in out.iterdir()) == ["_batchops_manifest.json", "data.csv.out"]
    assert (out / "data.csv.out").read_bytes() == good


def test_leftovers_of_a_killed_run_are_removed(dataset, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / ".plain.csv.out.tmp-0123456789ab").write_text("half a file")
    (out / "unrelated.txt").write_text("keep me")
    score(dataset, "plain.csv", out)
    assert sorted(p.name for p in out.iterdir()) == [
        "_batchops_manifest.json",
        "plain.csv.out",
        "unrelated.txt",
    ]


@pytest.mark.parametrize("workers", [0, 1])
def test_unreadable_or_pickled_model_is_refused(dataset, tmp_path, workers):
    import pickle

    from batchops.models import ModelManifest, pack_model

    manifest = ModelManifest(feature_names=["a", "b", "c", "d"], n_features=4).to_json().encode()
    corrupt = tmp_path / "corrupt.tar.gz"
    corrupt.write_bytes(pack_model({"xgboost-model": b'{"x": 1', "batchops-model.json": manifest}))
    with pytest.raises(InvalidInput, match="not an XGBoost model"):
        transform(corrupt, dataset.root / "plain.csv", tmp_path / "out", workers=workers)
    pickled = tmp_path / "pickled.tar.gz"
    pickled.write_bytes(
        pack_model(
            {"xgboost-model": pickle.dumps(dataset.booster), "batchops-model.json": manifest}
        )
    )
    with pytest.raises(InvalidInput, match="never unpickles"):
        transform(pickled, dataset.root / "plain.csv", tmp_path / "out", workers=workers)
    assert not (tmp_path / "out" / "plain.csv.out").exists()
