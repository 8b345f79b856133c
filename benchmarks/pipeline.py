"""Wall time of train-and-baseline on 5,000 rows, and the executor's overhead per step.

Overhead is measured on steps that do no work (an empty script, a function returning at
once): whatever such a step costs is what the engine adds to every real step (recording
status, resolving references, staging inputs, publishing outputs, starting a process).

    .venv/bin/python benchmarks/pipeline.py [--rows 5000]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from datetime import datetime
from pathlib import Path


def _seconds(start: str | None, end: str | None) -> float:
    if not start or not end:
        return float("nan")
    return (datetime.fromisoformat(end) - datetime.fromisoformat(start)).total_seconds()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=5000)
    args = parser.parse_args()
    os.environ["BATCHOPS_HOME"] = tempfile.mkdtemp(prefix="batchops-bench-")

    from batchops.examples.churn.data import write_churn_csv
    from batchops.examples.churn.pipelines import train_and_baseline_pipeline
    from batchops.pipeline import FunctionStep, Pipeline, ProcessingOutput, ProcessingStep

    home = Path(os.environ["BATCHOPS_HOME"])
    data = write_churn_csv(home / "churn.csv", args.rows, seed=0)
    started = time.perf_counter()
    described = train_and_baseline_pipeline(data).start(wait=True).describe()
    wall = time.perf_counter() - started
    print(f"train-and-baseline on {args.rows} rows: {described['status']} in {wall:.2f} s")
    for step in described["steps"]:
        took = _seconds(step["started_at"], step["ended_at"])
        print(f"  {step['name']:<30} {step['status']:<12} {took:6.2f} s")

    script = home / "empty.py"
    script.write_text("")
    steps = [
        ProcessingStep(f"Empty{i}", code=script, outputs=[ProcessingOutput("out", "out")])
        for i in range(5)
    ] + [FunctionStep(f"Noop{i}", function="builtins:dict") for i in range(5)]
    pipeline = Pipeline("overhead", [], steps)
    pipeline.start(wait=True)  # warm: definition stored, imports done
    started = time.perf_counter()
    overhead = pipeline.start(wait=True).describe()
    total = time.perf_counter() - started
    by_type: dict[str, list[float]] = {}
    for step in overhead["steps"]:
        by_type.setdefault(step["type"], []).append(_seconds(step["started_at"], step["ended_at"]))
    print(f"\noverhead pipeline of {len(steps)} no-op steps: {overhead['status']} in {total:.2f} s")
    for kind, values in by_type.items():
        print(
            f"  {kind:<12} mean {sum(values) / len(values):.3f} s per step, max {max(values):.3f} s"
        )


if __name__ == "__main__":
    main()
