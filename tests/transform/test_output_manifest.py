"""A transform re-run into the same folder leaves its output whole, or visibly not.

Runs the real `batchops` command in subprocesses: one that fails on its second input file
after the first output was replaced, and one killed with SIGKILL at that moment.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from transform_data import Dataset, csv_lines

from batchops.store.outputs import MANIFEST_NAME, OutputStatus, Problem, verify_output
from support.cli import run_batchops

PARTS = ["part-1.csv", "part-2.csv", "part-3.csv", "part-4.csv"]


def _inputs(dataset: Dataset, folder: Path, copies: tuple[int, ...] = (1, 1, 1, 1)) -> Path:
    """Four input files; `copies` repeats the dataset's lines to make a file bigger."""
    folder.mkdir(exist_ok=True)
    lines = csv_lines(dataset)
    for name, times in zip(PARTS, copies, strict=True):
        (folder / name).write_text("\n".join(lines * times) + "\n")
    return folder


def _argv(dataset: Dataset, source: Path, out: Path) -> list[str]:
    model = str(dataset.model)
    return ["transform", "--model", model, "--input", str(source), "--output", str(out)]


def _transform(dataset: Dataset, source: Path, out: Path) -> subprocess.CompletedProcess[str]:
    return run_batchops(*_argv(dataset, source, out), "--workers", "0", "--json")


def _problems(out: Path) -> dict[str, Problem]:
    return {p.name: p.problem for p in verify_output(out).problems}


def test_the_manifest_names_each_output_with_rows_size_digest_and_the_model(
    dataset: Dataset, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    done = _transform(dataset, _inputs(dataset, tmp_path / "in"), out)
    assert done.returncode == 0, done.stderr

    manifest = json.loads((out / MANIFEST_NAME).read_text())
    assert manifest["complete"] is True and manifest["kind"] == "transform"
    assert manifest["model"] == {"uri": str(dataset.model)}
    assert manifest["execution_id"] is None and manifest["step"] is None
    assert [f["name"] for f in manifest["files"]] == [f"{p}.out" for p in PARTS]
    for entry in manifest["files"]:
        data = (out / entry["name"]).read_bytes()
        assert entry["rows"] == len(csv_lines(dataset)) == data.count(b"\n")
        assert entry["bytes"] == len(data)
        assert entry["sha256"] == hashlib.sha256(data).hexdigest()
    assert run_batchops("outputs", "verify", str(out)).returncode == 0


def test_a_rerun_failing_on_the_second_file_is_partial_and_refused_until_rerun(
    dataset: Dataset, tmp_path: Path
) -> None:
    source = _inputs(dataset, tmp_path / "in")
    out = tmp_path / "out"
    assert _transform(dataset, source, out).returncode == 0
    lines = csv_lines(dataset)
    (source / "part-1.csv").write_text("\n".join(lines[:100]) + "\n")  # a new first output
    (source / "part-2.csv").write_text("\n".join([*lines[:5], "1,2", *lines[5:]]) + "\n")

    failed = _transform(dataset, source, out)
    assert failed.returncode == 2
    assert "part-2.csv, line 6" in failed.stderr
    assert _problems(out) == {
        "part-1.csv.out": Problem.NEW,
        "part-2.csv.out": Problem.OLD,
        "part-3.csv.out": Problem.OLD,
        "part-4.csv.out": Problem.OLD,
    }
    verified = run_batchops("outputs", "verify", str(out))
    assert verified.returncode == 1
    assert "did not finish" in verified.stdout
    assert "part-1.csv.out: written by the unfinished run" in verified.stdout
    assert "part-4.csv.out: left from an earlier run" in verified.stdout

    # a reader of the folder refuses it, naming the folder and why
    refused = run_batchops("baseline", str(out), "--out", str(tmp_path / "base"))
    assert refused.returncode == 2
    assert f"cannot use the dataset {out}: {out}: incomplete transform output" in refused.stderr

    (source / "part-2.csv").write_text("\n".join(lines) + "\n")
    assert _transform(dataset, source, out).returncode == 0
    assert verify_output(out).status == OutputStatus.COMPLETE
    assert run_batchops("outputs", "verify", str(out)).returncode == 0
    read = run_batchops("baseline", str(out), "--out", str(tmp_path / "base"), "--no-header")
    assert read.returncode == 0, read.stderr


def test_a_rerun_into_a_folder_of_more_outputs_removes_the_earlier_ones(
    dataset: Dataset, tmp_path: Path
) -> None:
    source = _inputs(dataset, tmp_path / "in")
    out = tmp_path / "out"
    assert _transform(dataset, source, out).returncode == 0
    (source / "part-4.csv").unlink()

    assert _transform(dataset, source, out).returncode == 0
    assert sorted(p.name for p in out.iterdir()) == [MANIFEST_NAME] + [
        f"{p}.out" for p in PARTS[:3]
    ]
    assert verify_output(out).status == OutputStatus.COMPLETE


def test_a_rerun_killed_after_the_first_output_is_replaced_is_partial(
    dataset: Dataset, tmp_path: Path
) -> None:
    source = _inputs(dataset, tmp_path / "in", copies=(1, 60, 60, 60))
    out = tmp_path / "out"
    assert _transform(dataset, source, out).returncode == 0
    first = out / "part-1.csv.out"
    before = first.stat().st_ino

    job = subprocess.Popen(
        [sys.executable, "-m", "batchops.cli.main", *_argv(dataset, source, out), "--workers", "0"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        while first.stat().st_ino == before and job.poll() is None:
            time.sleep(0.002)  # until the first new output is renamed into place
        os.kill(job.pid, signal.SIGKILL)
    finally:
        job.wait()
    assert job.returncode == -signal.SIGKILL, "the run ended before it could be killed"

    assert verify_output(out).status == OutputStatus.PARTIAL
    problems = _problems(out)
    assert problems["part-1.csv.out"] == Problem.NEW
    assert problems["part-4.csv.out"] == Problem.OLD
    verified = run_batchops("outputs", "verify", str(out), "--json")
    assert verified.returncode == 1
    assert json.loads(verified.stdout)["status"] == "partial"

    assert _transform(dataset, source, out).returncode == 0
    assert verify_output(out).status == OutputStatus.COMPLETE
