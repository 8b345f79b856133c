"""Throughput and peak memory of `batchops.monitor.check` on synthetic churn data.

    .venv/bin/python benchmarks/monitor.py [--rows 1000000] [--stream-rows 10000000]
                                           [--workers N] [--repeat 5] [--dir DIR]

Checks `--rows` rows against a baseline of 100,000 rows, then streams `--stream-rows` rows
(0 to skip). Targets (issue 4): at least 1,000,000 rows/s on 2 cores, compared with the median
of `--repeat` runs made with the libraries loaded (the first run, lazy imports included, is
printed too); for 10,000,000 rows (run once) a peak memory below the file's size on disk.
"""

from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path

from _monitoring import churn_file, report, run_job


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
            figures = run_job(
                {
                    "kind": "check",
                    "data": str(batch),
                    "statistics": str(base / "statistics.json"),
                    "constraints": str(base / "constraints.json"),
                    "out": str(Path(scratch) / f"out-{rows}"),
                    "workers": arguments.workers,
                    "repeat": 1 + arguments.repeat if rows == arguments.rows else 1,
                }
            )
            figures["workers"] = arguments.workers
            report(f"check of {rows:,} rows", figures, batch.stat().st_size)
            print(f"  violations found: {figures['violations']:.0f} (expected 0: same generator)")
            if figures.get("warm_seconds"):
                rate = rows / figures["warm_seconds"]
                verdict = "met" if rate >= 1_000_000 else "MISSED"
                print(f"  target 1,000,000 rows/s: {verdict}")
            if rows == arguments.stream_rows:
                below = figures["peak_mb"] * 2**20 < batch.stat().st_size
                print(f"  target peak memory below the file's size: {'met' if below else 'MISSED'}")


if __name__ == "__main__":
    main()
