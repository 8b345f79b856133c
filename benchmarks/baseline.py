"""Throughput and peak memory of `batchops.monitor.baseline` on synthetic churn data.

    .venv/bin/python benchmarks/baseline.py [--rows 1000000] [--workers N] [--repeat 5]
                                            [--dir DIR]

Target (issue 3): at least 1,500,000 rows/s on 2 cores for 1,000,000 rows, compared with the
median of the runs made with the libraries loaded (the first run, lazy imports included, is
printed too). For scale, it first prints how fast Arrow's CSV parser alone reads the same
file, the floor of the job, and last the baseline's rate as a share of that floor: on a shared
host both rates move with the load, their ratio much less.
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
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--repeat", type=int, default=5, help="Runs after the first one.")
    parser.add_argument("--dir", type=Path, help="Keep the generated data here (reused).")
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-baseline-") as scratch:
        folder = arguments.dir or Path(scratch)
        folder.mkdir(parents=True, exist_ok=True)
        data = churn_file(folder, arguments.rows, seed=1)
        repeat = 1 + arguments.repeat
        parse = run_job(
            {"kind": "parse", "data": str(data), "workers": arguments.workers, "repeat": repeat}
        )
        report(f"CSV parsing alone, {arguments.workers} thread(s)", parse, data.stat().st_size)
        for workers in sorted({1, arguments.workers}):
            figures = run_job(
                {
                    "kind": "baseline",
                    "data": str(data),
                    "out": str(Path(scratch) / f"out-{workers}"),
                    "workers": workers,
                    "repeat": repeat,
                }
            )
            figures["workers"] = workers
            report(f"baseline, {workers} worker(s)", figures, data.stat().st_size)
        rate = figures["rows"] / figures["warm_seconds"] if arguments.repeat else 0.0
        verdict = "met" if rate >= 1_500_000 else "MISSED"
        print(f"target 1,500,000 rows/s with {arguments.workers} workers: {verdict}")
        if arguments.repeat:
            # The host's speed moves both figures; their ratio says what the profiling costs.
            floor = parse["rows"] / parse["warm_seconds"]
            print(f"the baseline runs at {rate / floor:.0%} of the rate of CSV parsing alone")


if __name__ == "__main__":
    main()
