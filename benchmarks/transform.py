"""Batch transform throughput and memory against a one-process "ceiling" and the machine's limit.

    python benchmarks/transform.py [--rows 1000000,10000000] [--workers 1,2] [--dir /tmp/x]
                                   [--repeat 3]

For each size: trains a churn-like XGBoost model once (70 features: 11 numeric, 59 one-hot),
writes a headerless CSV, then measures, each in a fresh process:
  (a) the ceiling: read the whole CSV with polars, `inplace_predict` on float32, write the
      predictions with polars (no streaming: memory grows with the input);
  (b) `batchops transform` (as `python -m batchops.cli.main transform`) with 1 and 2 workers;
  (c) the limit (issue 30), alternating with (b) round by round: P, the faster of Arrow's and
      polars' parse-alone rates, and R, XGBoost's `inplace_predict` rate on the parsed rows,
      all cores (`_limits.py`); the transform's rate (median of the rounds) is printed as a
      share of 1 / (1/P + 1/R), the target being 90% with peak memory under 1 GiB.
Prints rows/s, the ratio to the ceiling, and peak RSS of the process tree (the main
process plus its workers, sampled every 20 ms), and checks the outputs are identical.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _limits import threads_environment, transform_limit
from _memory import TreeMemory

NUMERIC = 11
ONE_HOT = (51, 4, 2, 2)  # State, Area Code, Int'l Plan, VMail Plan
FEATURES = NUMERIC + sum(ONE_HOT)

CEILING = """
import sys, polars as pl, xgboost as xgb, numpy as np, tarfile, io
with tarfile.open(sys.argv[1]) as tar:
    booster = xgb.Booster()
    booster.load_model(bytearray(tar.extractfile("xgboost-model").read()))
width = int(sys.argv[4])
frame = pl.read_csv(sys.argv[2], has_header=False,
                    schema={f"c{i}": pl.Float32 for i in range(width)})
features = frame.to_numpy()
del frame
predictions = booster.inplace_predict(features.astype(np.float32, copy=False))
pl.DataFrame({"p": predictions}).write_csv(sys.argv[3], include_header=False)
print(len(predictions))
"""


def churn_like(rows: int, seed: int):  # type: ignore[no-untyped-def]
    """Features shaped like the prepared churn data: minutes and counts, then 0/1 blocks."""
    import numpy as np

    rng = np.random.default_rng(seed)
    numeric = np.column_stack(
        [
            rng.integers(1, 200, rows),
            rng.integers(0, 14, rows) * 100,
            *(rng.gamma(4.0, 1.3, rows).round(6) for _ in range(3)),
            *(rng.integers(0, 12, rows) for _ in range(3)),
            rng.integers(0, 12, rows) * 50,
            rng.gamma(4.0, 1.2, rows).round(6),
            rng.integers(0, 10, rows),
        ]
    ).astype(np.float32)
    blocks = []
    for width in ONE_HOT:
        block = np.zeros((rows, width), dtype=np.float32)
        block[np.arange(rows), rng.integers(0, width, rows)] = 1
        blocks.append(block)
    features = np.hstack([numeric, *blocks])
    score = numeric[:, 2] + numeric[:, 3] - 0.02 * numeric[:, 8] - 0.005 * numeric[:, 1]
    labels = (score + rng.normal(0, 1, rows) > np.median(score)).astype(np.float32)
    return features, labels


def write_csv(path: Path, rows: int, with_label: bool, seed: int) -> None:
    """Headerless CSV written in chunks, so 10,000,000 rows never sit in memory at once."""
    import polars as pl

    chunk = 500_000
    with path.open("wb") as handle:
        for index, start in enumerate(range(0, rows, chunk)):
            features, labels = churn_like(min(chunk, rows - start), seed + index)
            frame = pl.DataFrame({f"c{i}": features[:, i] for i in range(FEATURES)})
            frame = frame.with_columns(
                pl.col(f"c{i}").cast(pl.Int32) for i in range(NUMERIC, FEATURES)
            )
            if with_label:
                frame = frame.insert_column(0, pl.Series("label", labels.astype("int8")))
            frame.write_csv(handle, include_header=False)


def train_model(folder: Path) -> Path:
    from batchops.examples.churn.pipelines import HYPERPARAMETERS
    from batchops.models.xgboost import train

    channel = folder / "train"
    channel.mkdir(parents=True, exist_ok=True)
    write_csv(channel / "train.csv", 50_000, with_label=True, seed=1000)
    hyperparameters = {**HYPERPARAMETERS, "seed": 0}  # the original walkthrough's
    return train(
        train=channel,
        validation=None,
        model_dir=folder,
        hyperparameters=hyperparameters,
        log=lambda _line: None,
    )


LIMITS_SEEN: list[tuple[float, float, float, float]] = []
"""(P, R, limit, the transform's seconds) of each round `measure` alternated with the limits."""


def measure(
    command: list[str], repeat: int = 1, limits: tuple[Path, Path, int] | None = None
) -> tuple[float, int, str]:
    """Wall time (the fastest of `repeat` runs), peak tree RSS (the largest) and stdout; with
    `limits` (model, data, threads), each run follows a measurement of the limits."""
    runs = []
    for _ in range(max(1, repeat)):
        measured = _limits_of(*limits) if limits else None
        runs.append(_measure_once(command))
        if measured is not None:
            LIMITS_SEEN.append((*transform_limit(measured), runs[-1][0]))
    return min(r[0] for r in runs), max(r[1] for r in runs), runs[-1][2]


def _limits_of(model: Path, data: Path, threads: int) -> dict[str, float]:
    script = Path(__file__).with_name("_limits.py")
    command = [sys.executable, str(script), str(model), str(data), str(threads)]
    done = subprocess.run(
        command, capture_output=True, text=True, env=threads_environment(threads), check=False
    )
    if done.returncode != 0:
        raise SystemExit(f"measuring the limits failed:\n{done.stderr}")
    return dict(json.loads(done.stdout))


def _print_limit(rows: int, peak: int) -> None:
    """The rounds' medians: P, R, the limit and the transform's share of it."""
    parse = statistics.median(r[0] for r in LIMITS_SEEN)
    predict = statistics.median(r[1] for r in LIMITS_SEEN)
    limit = statistics.median(r[2] for r in LIMITS_SEEN)
    rate = rows / statistics.median(r[3] for r in LIMITS_SEEN)
    verdict = "met" if rate / limit >= 0.9 and peak < 2**30 else "MISSED"
    print(
        f"{'':>11} limit: parse alone P {parse:,.0f} rows/s, predict alone R {predict:,.0f} "
        f"rows/s, 1/(1/P+1/R) {limit:,.0f} rows/s; the transform at {rate / limit:.0%} "
        f"(median of {len(LIMITS_SEEN)}), peak {peak / 2**20:,.0f} MiB; "
        f"target 90% under 1 GiB: {verdict}",
        flush=True,
    )


def _measure_once(command: list[str]) -> tuple[float, int, str]:
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    memory = TreeMemory(process.pid)
    stdout, stderr = process.communicate()
    seconds = time.perf_counter() - started
    peak = memory.stop()
    if process.returncode != 0:
        raise SystemExit(f"{' '.join(command[:4])} failed:\n{stderr}")
    return seconds, peak, stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", default="1000000,10000000")
    parser.add_argument("--workers", default="1,2")
    parser.add_argument("--dir", type=Path, default=None, help="work folder (default: a temp dir)")
    parser.add_argument("--keep", action="store_true", help="keep the data files")
    parser.add_argument(
        "--repeat", type=int, default=1, help="runs per variant; the fastest is reported"
    )
    args = parser.parse_args()
    cores = os.cpu_count() or 1
    folder = args.dir or Path(tempfile.mkdtemp(prefix="batchops-bench-transform-"))
    folder.mkdir(parents=True, exist_ok=True)
    model = train_model(folder / "model")
    print(f"model: {model} ({FEATURES} features); work folder: {folder}")
    print(
        f"{'rows':>11} {'variant':<22} {'seconds':>8} {'rows/s':>10} {'vs ceiling':>10} "
        f"{'peak RSS':>10}"
    )
    try:
        for rows in (int(r) for r in args.rows.split(",")):
            data = folder / f"batch-{rows}.csv"
            if not data.exists():  # kept by --keep: the same rows again
                write_csv(data, rows, with_label=False, seed=7)
            ceiling_out = folder / f"ceiling-{rows}.out"
            seconds, peak, _ = measure(
                [
                    sys.executable,
                    "-c",
                    CEILING,
                    str(model),
                    str(data),
                    str(ceiling_out),
                    str(FEATURES),
                ],
                args.repeat,
            )
            ceiling_rate = rows / seconds
            _row(rows, "ceiling (polars+xgb)", seconds, ceiling_rate, 1.0, peak)
            for workers in (int(w) for w in args.workers.split(",")):
                out = folder / f"out-{rows}-{workers}"
                seconds, peak, stdout = measure(
                    [
                        sys.executable,
                        "-m",
                        "batchops.cli.main",
                        "transform",
                        "--model",
                        str(model),
                        "--input",
                        str(data),
                        "--output",
                        str(out),
                        "--workers",
                        str(workers),
                        "--no-header",
                        "--json",
                    ],
                    args.repeat,
                    limits=(model, data, cores) if workers == cores else None,
                )
                summary = json.loads(stdout)
                assert summary["rows"] == rows, summary
                rate = rows / seconds
                _row(
                    rows, f"batchops, {workers} worker(s)", seconds, rate, rate / ceiling_rate, peak
                )
                same = (out / data.name).with_suffix(".csv.out").read_bytes() == (
                    ceiling_out.read_bytes()
                )
                if not same:
                    print("   ! output differs from the ceiling's")
                if workers == cores:
                    _print_limit(rows, peak)
                    LIMITS_SEEN.clear()
                shutil.rmtree(out)
            if not args.keep:
                data.unlink()
                ceiling_out.unlink()
    finally:
        if not args.keep and args.dir is None:
            shutil.rmtree(folder, ignore_errors=True)


def _row(rows: int, variant: str, seconds: float, rate: float, ratio: float, peak: int) -> None:
    print(
        f"{rows:>11,} {variant:<22} {seconds:>8.2f} {rate:>10,.0f} {ratio:>10.2f} "
        f"{peak / 2**20:>7,.0f} MiB",
        flush=True,
    )


if __name__ == "__main__":
    main()
