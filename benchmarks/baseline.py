"""Throughput and peak memory of `batchops.monitor.baseline` on synthetic churn data.

    .venv/bin/python benchmarks/baseline.py [--rows 1000000] [--workers N] [--repeat 5]
                                            [--dir DIR]

For 1 and N workers, in a fresh process each: the first run (lazy imports included, as a
command run from the shell) and the median of `--repeat` more with the libraries loaded. Between
those runs the same process parses the same file with Arrow's and polars' CSV readers alone,
with the same threads (`_limits.py`); the baseline's warm rate is printed as a share of the
faster one's (issue 30: at least 70%). Peak memory is measured in a separate run of the job
alone. The statistics of 1 and N workers are compared byte for byte.
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
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--repeat", type=int, default=5, help="Runs after the first one.")
    parser.add_argument("--dir", type=Path, help="Keep the generated data here (reused).")
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-baseline-") as scratch:
        folder = arguments.dir or Path(scratch)
        folder.mkdir(parents=True, exist_ok=True)
        data = churn_file(folder, arguments.rows, seed=1)
        repeat = 1 + arguments.repeat
        outputs = []
        for workers in sorted({1, arguments.workers}):
            out = Path(scratch) / f"out-{workers}"
            job = {"kind": "baseline", "data": str(data), "out": str(out), "workers": workers}
            alone = run_job(job)  # for its peak memory: nothing else in the process
            figures = run_job({**job, "repeat": repeat, "floor": True})
            figures["peak_mb"] = alone["peak_mb"]
            report(f"baseline, {workers} worker(s)", figures, data.stat().st_size)
            if arguments.repeat:
                report_share("the baseline", figures, workers, target=0.70)
            outputs.append((out / "statistics.json").read_bytes())
        same = all(output == outputs[0] for output in outputs)
        print(f"statistics.json of 1 and {arguments.workers} workers identical: {same}")


if __name__ == "__main__":
    main()
