"""A day's batch-inference: one machine with local files, against the team's deployment (a
2-worker Dask cluster and the artifacts in a bucket) on the same batch (issue 25).

    .venv/bin/python benchmarks/deployment.py [--rows 10000000] [--file-rows 1000000]
                                              [--train-rows 5000] [--dir DIR]

Each side has a fresh home: train-and-baseline on `--train-rows` generated churn rows, approve
customer-churn/1, then `batchops pipeline start batch-inference -p InputData=BATCH --wait
--json` as a subprocess, timed from outside (wall time, rows/s, each step's duration from the
execution's record, the peak summed RSS of the CLI's process tree and its CPU seconds). The
host is shared: CPU seconds move far less than wall times when it is busy.

* One machine: the home's local artifact folder, the batch a local file, no cluster.
* The deployment: every part a real process on this host, as tests/e2e/test_steps_on_the_
  cluster.py starts them (tests/support): moto's standalone S3 server holding every artifact
  (BATCHOPS_ARTIFACTS=s3://…), a `dask scheduler` and two `dask worker` processes (one thread
  each, TLS on every connection, the workers holding the bucket's credentials and no database),
  training and scoring with `--dask`; the batch uploaded to the bucket first (timed apart) and
  read from s3://. Also the peak RSS and the CPU seconds of each worker and of moto's server.

The database is each home's SQLite file on both sides: it only records (a few rows a step).
Both sides run on the same 2 cores, so the cluster cannot be faster: what is measured is the
price of the object store and the cluster on the data path. moto is a Python test server,
far slower than S3 or MinIO: it answers each ranged read of an object by reading the whole
object (moto 5's `FakeKey.value`), so its CPU and memory grow with the batch's size times the
number of reads. The cluster's figures are an upper bound on that price. The predictions of
the two runs must be byte-identical (their SHA-256, read a block at a time).

The batch is the walkthrough's (raw rows encoded with PrepareData's vocabulary, the label
first), generated in chunks and kept in `--dir` for the next run (each raw file is deleted
once encoded). A day's batch arrives as files of at most `--file-rows` rows in one folder (the
pipeline's InputData): moto's memory while it completes a multipart upload and answers a
ranged read is several times the object's size (12.1 GiB measured uploading one 2.5 GiB file),
which this shared host cannot give; files of a million rows (257 MiB) keep it near a gigabyte.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from _memory import TreeMemory

PIPELINE_STEPS = ("GetApprovedModel", "MonitorCustomerChurnDataQuality", "ShadowPendingCheck")
CHECK_AND_SCORE = "MonitorCustomerChurnDataQuality"
BLOCK = 8 * 2**20
"""Bytes read at a time to hash the predictions (memory stays flat at 10M rows)."""


@dataclass
class Run:
    """One timed batch-inference: its record and what was measured around it."""

    wall: float
    rows: int
    steps: dict[str, float]
    predictions: dict[str, tuple[str, int]]
    """Each predictions file's name, SHA-256 and size."""
    peaks: dict[str, int] = field(default_factory=dict)
    cpu: dict[str, float] = field(default_factory=dict)
    """CPU seconds each watched process used during the run."""


def cli(env: Mapping[str, str], *args: str) -> Any:
    """`batchops ARGS… --json` in a subprocess; its parsed output."""
    done = subprocess.run(
        [sys.executable, "-m", "batchops.cli.main", *args, "--json"],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
    )
    if done.returncode != 0:
        raise SystemExit(f"batchops {' '.join(args)} failed: {done.stderr}")
    return json.loads(done.stdout)


def train_and_approve(env: Mapping[str, str], data: str, *extra: str) -> str:
    """Train on `data`, approve customer-churn/1; PrepareData's vocabulary.json's URI."""
    trained = cli(
        env, "pipeline", "start", "train-and-baseline", "-p", f"InputData={data}", "--wait", *extra
    )
    if trained["status"] != "Succeeded":
        raise SystemExit(f"train-and-baseline: {trained['status']}: {trained['failure_reason']}")
    cli(env, "registry", "approve", "customer-churn/1", "--reason", "benchmark")
    prepared = next(s for s in trained["steps"] if s["name"] == "PrepareData")
    outputs = prepared["properties"]["ProcessingOutputConfig"]["Outputs"]
    return f"{outputs['vocabulary']['S3Output']['S3Uri'].rstrip('/')}/vocabulary.json"


def write_batch(folder: Path, rows: int, file_rows: int, vocabulary: Path) -> Path:
    """The prepared batch of `rows` rows, a folder of files of at most `file_rows` rows each,
    reused from `folder` when made with this vocabulary (kept beside it, written last)."""
    from batchops.examples.churn import prepare_batch_file
    from batchops.examples.churn.data import write_churn_csv

    batch = folder / f"batch-{rows}-by-{file_rows}"
    used = folder / f"{batch.name}.vocabulary.json"
    if used.exists() and used.read_bytes() == vocabulary.read_bytes():
        print(f"batch: {rows:,} rows reused from {batch}")
        return batch
    used.unlink(missing_ok=True)
    batch.mkdir(exist_ok=True)
    started = time.perf_counter()
    for index, first in enumerate(range(0, rows, file_rows)):
        raw = write_churn_csv(folder / "raw.csv", min(file_rows, rows - first), seed=1 + index)
        try:
            prepare_batch_file(raw, vocabulary, batch / f"part-{index:03d}.csv", with_label=True)
        finally:
            raw.unlink()
    used.write_bytes(vocabulary.read_bytes())
    print(f"batch: {rows:,} rows written in {time.perf_counter() - started:.1f} s")
    return batch


def _seconds(start: str | None, end: str | None) -> float:
    if not start or not end:
        return float("nan")
    return (datetime.fromisoformat(end) - datetime.fromisoformat(start)).total_seconds()


def batch_inference(
    env: Mapping[str, str], batch: str, watched: Mapping[str, int], *extra: str
) -> Run:
    """Time batch-inference on `batch` through the CLI; peak RSS of its process tree and of
    each process in `watched` (name: pid, each with its descendants) meanwhile."""
    command = [
        sys.executable,
        "-m",
        "batchops.cli.main",
        "pipeline",
        "start",
        "batch-inference",
        "-p",
        f"InputData={batch}",
        "--wait",
        "--json",
        *extra,
    ]
    memories = {name: TreeMemory(pid) for name, pid in watched.items()}
    cpu = {name: cpu_seconds(pid) for name, pid in watched.items()}
    children = _children_cpu()
    started = time.perf_counter()
    process = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **env},
    )
    runner = TreeMemory(process.pid)
    out, err = process.communicate()
    wall = time.perf_counter() - started
    peaks = {"runner (CLI)": runner.stop()} | {n: m.stop() for n, m in memories.items()}
    cpu = {"runner (CLI)": _children_cpu() - children} | {
        name: cpu_seconds(watched[name]) - used for name, used in cpu.items()
    }
    if process.returncode != 0:
        raise SystemExit(f"batch-inference failed: {err}")
    record = json.loads(out)
    if record["status"] != "Succeeded":
        raise SystemExit(f"batch-inference: {record['status']}: {record['failure_reason']}")
    (scored,) = record["summary"]["scoring"]
    steps = {s["name"]: _seconds(s["started_at"], s["ended_at"]) for s in record["steps"]}
    steps |= check_then_score(next(s for s in record["steps"] if s["name"] == CHECK_AND_SCORE))
    return Run(wall, int(scored["rows"]), steps, digests(scored["predictions"]), peaks, cpu)


def cpu_seconds(pid: int) -> float:
    """User and system CPU seconds of a process so far."""
    import psutil

    times = psutil.Process(pid).cpu_times()
    return float(times.user + times.system)


def _children_cpu() -> float:
    """CPU seconds of this process's ended children and of the processes they waited for."""
    import resource

    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def check_then_score(step: dict[str, Any]) -> dict[str, float]:
    """The monitor-and-score step's time split where its check's output was published (that
    folder's manifest says when): the data-quality check, then the scoring with its publishing."""
    from batchops.store.outputs import read_manifest

    manifest = read_manifest(step["properties"]["DataQuality"]["Uri"])
    checked = manifest.written_at if manifest else None
    return {
        "data-quality check": _seconds(step["started_at"], checked),
        "scoring": _seconds(checked, step["ended_at"]),
    }


def digests(folder: str) -> dict[str, tuple[str, int]]:
    """SHA-256 and size of each predictions file (`*.out`) in a folder or under a prefix,
    read a block at a time."""
    import fsspec

    fs, root = fsspec.core.url_to_fs(folder)
    found = {}
    for path in sorted(p for p in fs.find(root) if p.endswith(".out")):
        hashed, size = hashlib.sha256(), 0
        with fs.open(path, "rb") as handle:
            while block := handle.read(BLOCK):
                hashed.update(block)
                size += len(block)
        found[path.rsplit("/", 1)[1]] = (hashed.hexdigest(), size)
    return found


def one_machine(
    scratch: Path, folder: Path, rows: int, file_rows: int, train: Path
) -> tuple[Run, Path, Path]:
    """Train, approve and score on one machine: the run, the batch, PrepareData's vocabulary."""
    env = {
        "BATCHOPS_HOME": str(scratch / "one-machine"),
        "BATCHOPS_DB_URL": "",
        "BATCHOPS_ARTIFACTS": "",
        "BATCHOPS_DASK_ADDRESS": "",
    }
    vocabulary = Path(train_and_approve(env, str(train)))
    batch = write_batch(folder, rows, file_rows, vocabulary)
    run = batch_inference(env, str(batch), {})
    print(f"one machine: {run.wall:.1f} s = {rows / run.wall:,.0f} rows/s")
    return run, batch, vocabulary


def on_the_cluster(scratch: Path, train: Path, batch: Path, vocabulary: Path) -> tuple[Run, float]:
    """The same on moto's S3 and a 2-worker Dask cluster; the batch's upload in seconds."""
    import fsspec

    from support import s3
    from support.dask_processes import start_cluster, worker_pids

    server = s3.start_server()
    cluster = None
    try:
        os.environ.update(server.environment())  # this process's s3fs: the upload, the digest
        bucket = server.create_bucket("batchops-bench")
        workers_env = {
            **os.environ,
            "BATCHOPS_DB_URL": "postgresql://nobody@127.0.0.1:9/no-database-on-workers",
            "BATCHOPS_ARTIFACTS": "",
            "BATCHOPS_DASK_ADDRESS": "",
        }
        started = time.perf_counter()
        cluster = start_cluster(scratch / "dask", workers_env)
        print(
            f"moto's S3 server and a Dask cluster (TLS) started in "
            f"{time.perf_counter() - started:.1f} s"
        )
        env = {
            "BATCHOPS_HOME": str(scratch / "cluster-host"),
            "BATCHOPS_DB_URL": "",
            "BATCHOPS_ARTIFACTS": f"s3://{bucket}/batchops",
            "BATCHOPS_DASK_ADDRESS": "",
            **cluster.client_environment(),
        }
        fs = fsspec.filesystem("s3")
        fs.put_file(str(train), f"{bucket}/inputs/churn.csv")
        trained_vocabulary = train_and_approve(
            env, f"s3://{bucket}/inputs/churn.csv", "--dask", cluster.address
        )
        if fs.cat_file(trained_vocabulary) != vocabulary.read_bytes():
            raise SystemExit("the cluster's training found another vocabulary than one machine's")
        files = sorted(batch.iterdir())
        uploaded = f"{bucket}/inputs/{batch.name}"
        started = time.perf_counter()
        fs.put([str(f) for f in files], [f"{uploaded}/{f.name}" for f in files])
        upload = time.perf_counter() - started
        watched = {
            f"worker {i + 1}": pid
            for i, (_, pid) in enumerate(sorted(worker_pids(cluster).items()))
        }
        watched["moto (S3 server)"] = server.process.pid
        run = batch_inference(env, f"s3://{uploaded}/", watched, "--dask", cluster.address)
        print(f"on the cluster: {run.wall:.1f} s = {run.rows / run.wall:,.0f} rows/s")
        server.log.unlink()  # kept when anything failed
        return run, upload
    finally:
        if cluster is not None:
            cluster.stop()
        server.stop()


def show(rows: int, batch: Path, local: Run, remote: Run, upload: float) -> None:
    files = list(batch.iterdir())
    size = sum(f.stat().st_size for f in files)
    print(f"\nbatch-inference on {rows:,} rows ({len(files)} CSV file(s), {size / 2**20:,.0f} MiB)")
    print(f"{'':40}{'one machine, local files':>26}{'2-worker cluster, bucket':>28}")

    def line(name: str, here: str, there: str) -> None:
        print(f"  {name:38}{here:>26}{there:>28}")

    line("wall time (CLI, start to end)", f"{local.wall:.1f} s", f"{remote.wall:.1f} s")
    line("rows/s", f"{rows / local.wall:,.0f}", f"{rows / remote.wall:,.0f}")
    for step in PIPELINE_STEPS:
        line(f"  {step}", f"{local.steps[step]:.1f} s", f"{remote.steps[step]:.1f} s")
        if step == CHECK_AND_SCORE:
            for part in ("data-quality check", "scoring"):
                line(f"    {part}", f"{local.steps[part]:.1f} s", f"{remote.steps[part]:.1f} s")
    for name in remote.peaks:
        here = f"{local.peaks[name] / 2**20:,.0f} MiB" if name in local.peaks else "-"
        line(f"peak RSS, {name}", here, f"{remote.peaks[name] / 2**20:,.0f} MiB")
    for name, seconds in remote.cpu.items():
        here = f"{local.cpu[name]:.1f} s" if name in local.cpu else "-"
        line(f"CPU seconds, {name}", here, f"{seconds:.1f} s")
    print(
        f"  the batch's upload to the bucket (not in the wall time): {upload:.1f} s "
        f"= {size / 2**20 / upload:,.0f} MiB/s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument(
        "--file-rows", type=int, default=1_000_000, help="The batch's rows per file, at most."
    )
    parser.add_argument("--train-rows", type=int, default=5000)
    parser.add_argument("--dir", type=Path, help="Keep the generated batch here (reused).")
    arguments = parser.parse_args()
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
    from batchops.examples.churn.data import write_churn_csv

    with tempfile.TemporaryDirectory(prefix="bench-deployment-") as name:
        scratch = Path(name)
        folder = arguments.dir or scratch
        folder.mkdir(parents=True, exist_ok=True)
        train = write_churn_csv(scratch / "churn.csv", arguments.train_rows, seed=0)
        local, batch, vocabulary = one_machine(
            scratch, folder, arguments.rows, arguments.file_rows, train
        )
        remote, upload = on_the_cluster(scratch, train, batch, vocabulary)
        show(arguments.rows, batch, local, remote, upload)
        for run in (local, remote):
            if run.rows != arguments.rows:
                raise SystemExit(f"scored {run.rows:,} rows, not {arguments.rows:,}")
        load = ", ".join(f"{figure:.1f}" for figure in os.getloadavg())
        print(f"  load average at the end (1, 5, 15 min; {os.cpu_count()} cores): {load}")
        here, there = local.predictions, remote.predictions
        verdict = "byte-identical" if here == there and here else "DIFFERENT"
        print(
            f"  predictions: {verdict} ({len(here)} file(s), "
            f"{sum(size for _, size in here.values()):,} bytes here; {len(there)} file(s), "
            f"{sum(size for _, size in there.values()):,} bytes in the bucket)"
        )


if __name__ == "__main__":
    main()
