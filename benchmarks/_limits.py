"""The physical limits a data job is measured against (issue 30), one denominator for all:

* parsing alone: the faster of Arrow's and polars' CSV readers on the same file, with the same
  threads, each reading the whole file into memory (their best case; the jobs stream);
* predicting alone: XGBoost's `inplace_predict` on the parsed rows, all threads.

A transform both parses and predicts on the same cores, so its limit is 1 / (1/P + 1/R): what a
process doing nothing else would reach. The benchmarks time these in the same process as the
job, alternating with it round by round, so that the host's load moves both and their ratio
much less.
"""

from __future__ import annotations

import time
from pathlib import Path


def parse_seconds(path: str | Path, threads: int, header: bool) -> dict[str, float]:
    """Seconds each reader takes to parse the whole file, and the rows it found. Polars reads
    its thread count once, from POLARS_MAX_THREADS (`threads_environment`) at its import."""
    import polars as pl
    import pyarrow as pa
    from pyarrow import csv

    pa.set_cpu_count(threads)
    pa.set_io_thread_count(threads)
    started = time.perf_counter()
    table = csv.read_csv(
        path,
        read_options=csv.ReadOptions(use_threads=threads > 1, autogenerate_column_names=not header),
    )
    arrow = time.perf_counter() - started
    rows = table.num_rows
    del table
    started = time.perf_counter()
    frame = pl.read_csv(path, has_header=header, infer_schema_length=10_000)  # POLARS_MAX_THREADS
    polars = time.perf_counter() - started
    if frame.height != rows:
        raise SystemExit(f"{path}: Arrow read {rows:,} rows, polars {frame.height:,}")
    return {"arrow": arrow, "polars": polars, "rows": float(rows)}


def predict_seconds(model_tar: str | Path, path: str | Path, threads: int) -> float:
    """Seconds `inplace_predict` takes on the file's rows (parsed first, not timed)."""
    import tarfile

    import numpy as np
    import polars as pl
    import xgboost as xgb

    with tarfile.open(model_tar) as archive:
        member = archive.extractfile("xgboost-model")
        assert member is not None
        booster = xgb.Booster()
        booster.load_model(bytearray(member.read()))
    booster.set_param({"nthread": threads})
    features = pl.read_csv(path, has_header=False).to_numpy()
    features = features.astype(np.float32, copy=False)
    started = time.perf_counter()
    booster.inplace_predict(features)
    return time.perf_counter() - started


def transform_limit(measured: dict[str, float]) -> tuple[float, float, float]:
    """(P, R, 1 / (1/P + 1/R)) in rows/s from one `limits` measurement."""
    rows = measured["rows"]
    parse = rows / min(measured["arrow"], measured["polars"])
    predict = rows / measured["predict"]
    return parse, predict, 1 / (1 / parse + 1 / predict)


def fastest_parse_rate(floors: list[dict[str, float]]) -> tuple[str, float]:
    """The faster reader and its rate (rows/s), from the median of each reader's rounds."""
    import statistics

    rows = floors[0]["rows"]
    rates = {
        reader: rows / statistics.median(f[reader] for f in floors)
        for reader in ("arrow", "polars")
    }
    best = max(rates, key=lambda reader: rates[reader])
    return best, rates[best]


def describe_floor(floors: list[dict[str, float]], threads: int) -> str:
    import statistics

    rows = floors[0]["rows"]
    parts = [
        f"{reader} {rows / statistics.median(f[reader] for f in floors):,.0f} rows/s"
        for reader in ("arrow", "polars")
    ]
    return f"parsing alone, {threads} thread(s), median of {len(floors)}: " + ", ".join(parts)


def threads_environment(threads: int) -> dict[str, str]:
    """The environment that gives a fresh process's libraries `threads` threads each."""
    import os

    return {**os.environ, "POLARS_MAX_THREADS": str(threads), "OMP_NUM_THREADS": str(threads)}


if __name__ == "__main__":  # python _limits.py MODEL_TAR CSV THREADS: the transform's limits
    import json
    import sys

    model, data, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
    measured = parse_seconds(data, count, header=False)
    measured["predict"] = predict_seconds(model, data, count)
    print(json.dumps(measured))
