"""Shared by the monitoring benchmarks: churn data on disk, and a job run in a fresh process.

A job runs in its own Python process so its peak memory (the summed RSS of that process and
anything it starts) is measured alone, without the data generator's. Its first run's time
counts from the call, so the lazy imports it makes (Arrow's CSV reader, polars, DataSketches)
are included, as in a command run from the shell; a job may be repeated in the same process
to measure the work alone (libraries loaded), which is what a throughput target is about.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from _limits import threads_environment
from _memory import TreeMemory

_RUNNER = r"""
import json, statistics, sys, time
sys.path.insert(0, sys.argv[2])
from _limits import parse_seconds
from batchops.monitor import baseline, check
job = json.loads(sys.argv[1])

def run():
    if job["kind"] == "baseline":
        result = baseline(job["data"], job["out"], workers=job["workers"])
    else:
        result = check(job["data"], statistics=job["statistics"],
                       constraints=job["constraints"], out_dir=job["out"],
                       workers=job["workers"])
    return result.row_count, result

runs, floors = [], []
for _ in range(job.get("repeat", 1)):
    started, cpu_started = time.perf_counter(), time.process_time()
    rows, result = run()
    runs.append((time.perf_counter() - started, time.process_time() - cpu_started))
    if job.get("floor"):  # after the job: its first run keeps its lazy imports
        floors.append(parse_seconds(job["data"], job["workers"], header=True))
warm = runs[1:]
print(json.dumps({
    "rows": rows, "seconds": runs[0][0], "cpu": runs[0][1],
    "warm_seconds": statistics.median(t for t, _ in warm) if warm else None,
    "warm_cpu": statistics.median(c for _, c in warm) if warm else None,
    "best_seconds": min(t for t, _ in warm) if warm else None,
    "warm_runs": len(warm),
    "violations": len(getattr(result, "violations", [])),
    "floors": floors[1:] or floors,
}))
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


def run_job(job: dict[str, object]) -> dict[str, Any]:
    """Run a monitoring job in a fresh interpreter; return its figures."""
    process = subprocess.Popen(
        [sys.executable, "-c", _RUNNER, json.dumps(job), str(Path(__file__).parent)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=threads_environment(int(str(job["workers"]))),
    )
    memory = TreeMemory(process.pid)
    stdout, stderr = process.communicate()
    peak = memory.stop()
    if process.returncode != 0:
        raise SystemExit(f"monitoring job failed:\n{stderr}")
    figures: dict[str, Any] = json.loads(stdout.strip().splitlines()[-1])
    figures["peak_mb"] = peak / 2**20
    return figures


def report(label: str, figures: dict[str, Any], file_bytes: int) -> None:
    """Print the first run (as a command would: lazy imports of Arrow's CSV reader, polars and
    DataSketches included) and, when the job was repeated in the same process, the median of
    the later runs: the throughput of the work itself. The fastest run is printed too: on a
    shared machine the spread between it and the median is what other tenants took."""
    rows, seconds = figures["rows"], figures["seconds"]
    print(
        f"{label}: {rows:,.0f} rows; first run {seconds:.2f} s = {rows / seconds:,.0f} rows/s "
        f"(CPU {figures['cpu']:.2f} s, lazy imports included); "
        f"peak RSS of the process tree {figures['peak_mb']:,.0f} MiB "
        f"(sampled every 20 ms; file {file_bytes / 2**20:,.0f} MiB)"
    )
    if figures.get("warm_seconds"):
        warm = figures["warm_seconds"]
        print(
            f"  libraries loaded, median of {figures['warm_runs']:.0f} more runs: {warm:.2f} s = "
            f"{rows / warm:,.0f} rows/s (CPU {figures['warm_cpu']:.2f} s); "
            f"fastest {rows / figures['best_seconds']:,.0f} rows/s"
        )


def report_share(job: str, figures: dict[str, Any], workers: int, target: float) -> float:
    """Print the parse-alone rates timed between the job's runs and the job's warm rate as a
    share of the faster reader's (`target`: the least share the issue asks for)."""
    from _limits import describe_floor, fastest_parse_rate

    floors = figures["floors"]
    reader, floor = fastest_parse_rate(floors)
    rate = figures["rows"] / figures["warm_seconds"]
    verdict = "met" if rate / floor >= target else "MISSED"
    print(f"  {describe_floor(floors, workers)}")
    print(
        f"  {job} at {rate / floor:.0%} of parsing alone ({reader}, the faster); "
        f"target {target:.0%}: {verdict}"
    )
    return rate / floor
