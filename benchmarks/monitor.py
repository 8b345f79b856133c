"""Throughput and peak memory of `batchops.monitor.check` on synthetic churn data.

    .venv/bin/python benchmarks/monitor.py [--rows 1000000] [--stream-rows 10000000]
                                           [--workers N] [--repeat 5] [--dir DIR]

Checks `--rows` rows against a baseline of 100,000 rows, then `--stream-rows` rows (0 to
skip), each with 1 and N workers: the first run (lazy imports included) and the median of
`--repeat` more with the libraries loaded, with Arrow's and polars' parse-alone rates on the
same file timed between them in the same process (`_limits.py`); the check's warm rate is
printed as a share of the faster reader's (issue 30: at least 70%). Peak memory comes from a
run of the job alone (target: below the file's size on disk for the larger file). The
violations of 1 and N workers are compared byte for byte.
"""

from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path

from _monitoring import churn_file, report, report_share, run_job


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--stream-rows", type=int, default=10_000_000)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--repeat", type=int, default=5, help="Runs after the first one.")
    parser.add_argument("--dir", type=Path, help="Keep the generated data here (reused).")
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-monitor-") as scratch:
        folder = arguments.dir or Path(scratch)
        folder.mkdir(parents=True, exist_ok=True)
        train = churn_file(folder, 100_000, seed=1)
        base = Path(scratch) / "baseline"
        run_job({"kind": "baseline", "data": str(train), "out": str(base), "workers": 1})
        sizes = [arguments.rows] + ([arguments.stream_rows] if arguments.stream_rows else [])
        for rows in sizes:
            batch = churn_file(folder, rows, seed=2)
            reports = []
            for workers in sorted({1, arguments.workers}):
                out = Path(scratch) / f"out-{rows}-{workers}"
                job = {
                    "kind": "check",
                    "data": str(batch),
                    "statistics": str(base / "statistics.json"),
                    "constraints": str(base / "constraints.json"),
                    "out": str(out),
                    "workers": workers,
                }
                alone = run_job(job)  # for its peak memory: nothing else in the process
                figures = run_job({**job, "repeat": 1 + arguments.repeat, "floor": True})
                figures["peak_mb"] = alone["peak_mb"]
                label = f"check of {rows:,} rows, {workers} worker(s)"
                report(label, figures, batch.stat().st_size)
                print(f"  violations: {figures['violations']:.0f} (expected 0: same generator)")
                if arguments.repeat:
                    report_share("the check", figures, workers, target=0.70)
                below = figures["peak_mb"] * 2**20 < batch.stat().st_size
                print(f"  peak memory below the file's size: {'met' if below else 'MISSED'}")
                reports.append((out / "constraint_violations.json").read_bytes())
            same = all(found == reports[0] for found in reports)
            print(f"  violations of 1 and {arguments.workers} workers byte-identical: {same}")


if __name__ == "__main__":
    main()
