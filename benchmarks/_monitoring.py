"""Shared by the monitoring benchmarks: churn data on disk, and a job run in a fresh process.

A job runs in its own Python process so its peak memory (the summed RSS of that process and
anything it starts) is measured alone, without the data generator's. Its time counts from the
call, so the lazy imports it makes (Arrow's CSV reader, polars, DataSketches) are included, as
in a command run from the shell.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

from _memory import TreeMemory

_RUNNER = r"""
import json, sys, time
from batchops.monitor import baseline, check
job = json.loads(sys.argv[1])
started, cpu_started = time.perf_counter(), time.process_time()
if job["kind"] == "parse":  # the floor: Arrow's CSV parser alone, on the same parts
    from concurrent.futures import ThreadPoolExecutor
    from batchops.monitor import reading
    from batchops.monitor.jobs import _probe, _resolve_input
    source = _resolve_input(job["data"], None, (), None, None)
    kinds, _ = _probe(source)
    plan = reading.ReadPlan(source.layout, kinds, include=source.included)
    parts = reading.split_parts(source.files, job["workers"])
    count = lambda part: sum(b.num_rows for b in reading.read_batches(part, plan))
    with ThreadPoolExecutor(job["workers"]) as pool:
        rows = sum(pool.map(count, parts))
    result = None
elif job["kind"] == "baseline":
    result = baseline(job["data"], job["out"], workers=job["workers"])
    rows = result.row_count
else:
    result = check(job["data"], statistics=job["statistics"], constraints=job["constraints"],
                   out_dir=job["out"], workers=job["workers"])
    rows = result.row_count
seconds = time.perf_counter() - started
print(json.dumps({"rows": rows, "seconds": seconds, "cpu": time.process_time() - cpu_started,
                  "violations": len(getattr(result, "violations", []))}))
"""


def churn_file(folder: Path, rows: int, seed: int, drift: str | None = None) -> Path:
    """A churn CSV of `rows` rows, generated once and kept in `folder`."""
    from batchops.examples.churn.data import write_churn_csv

    name = f"churn-{rows}-{seed}{'-' + drift if drift else ''}.csv"
    path = folder / name
    if not path.exists():
        started = time.perf_counter()
        write_churn_csv(path, rows, seed=seed, drift=drift)
        elapsed = time.perf_counter() - started
        size = path.stat().st_size / 2**20
        print(f"  (generated {path.name}: {size:,.0f} MiB in {elapsed:.1f} s)")
    return path


def run_job(job: dict[str, object]) -> dict[str, float]:
    """Run a monitoring job in a fresh interpreter; return its figures."""
    process = subprocess.Popen(
        [sys.executable, "-c", _RUNNER, json.dumps(job)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    memory = TreeMemory(process.pid)
    stdout, stderr = process.communicate()
    peak = memory.stop()
    if process.returncode != 0:
        raise SystemExit(f"monitoring job failed:\n{stderr}")
    figures: dict[str, float] = json.loads(stdout.strip().splitlines()[-1])
    figures["peak_mb"] = peak / 2**20
    return figures


def report(label: str, figures: dict[str, float], file_bytes: int) -> None:
    rows, seconds = figures["rows"], figures["seconds"]
    print(
        f"{label}: {rows:,.0f} rows in {seconds:.2f} s = {rows / seconds:,.0f} rows/s "
        f"(CPU {figures['cpu']:.2f} s, lazy imports included); "
        f"peak RSS of the process tree {figures['peak_mb']:,.0f} MiB "
        f"(sampled every 20 ms; file {file_bytes / 2**20:,.0f} MiB)"
    )
