"""Baseline, monitor and transform in one process and on a Dask LocalCluster (2 workers x 1 thread).

    .venv/bin/python benchmarks/scale.py [--rows 10000000] [--files 4] [--dir DIR]
                                         [--jobs baseline,monitor,transform] [--repeat 3]

Target (issue 17): on this 2-core host one process already uses both cores, so what is measured
is the cluster's overhead, not a speed-up: each job's time on the cluster within 1.2x its time
in one process, and the merge of the partition profiles under 5% of the baseline's time. It
also prints the scheduler's memory after jobs over a growing share of the data (up to four
steps): it must stay flat, since only profiles and manifest entries reach the client and the
scheduler. The cluster is started once, before the timings (its start is printed apart).
Each job's CPU seconds per run are printed under its times (this process; the workers):
they vary far less than wall times when the host is busy.

Issue 30 (a hundred million rows): `--rows 100000000 --files 40 --jobs baseline,monitor
--repeat 1 --dir DIR` (the data, about 4 GB, generated once and reused). Each job prints the
peak memory of every process it ran in (the kernel's high-water mark, reset before the job):
this process for the one-process run (it also hosts the LocalCluster's scheduler and client,
whose memory is counted in), the scheduler and each worker on the cluster; the target is 1 GiB
for the one-process run.
"""

from __future__ import annotations

import argparse
import logging
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

FEATURES = [f"f{i}" for i in range(12)]
"""Twelve numeric features: integers, counts, amounts and flags, as in a churn table."""


def _columns(rng: np.random.Generator, count: int) -> np.ndarray:
    columns = []
    for index in range(len(FEATURES)):
        kind = index % 4
        if kind == 0:
            columns.append(rng.integers(1, 200, count).astype(np.float64))
        elif kind == 1:
            columns.append(rng.integers(0, 10, count).astype(np.float64))
        elif kind == 2:
            columns.append(rng.gamma(2.0, 3.0 + index, count).round(2))
        else:
            columns.append(rng.integers(0, 2, count).astype(np.float64))
    return np.column_stack(columns)


def write_data(folder: Path, rows: int, files: int) -> list[Path]:
    """Headerless numeric CSV files (the transform's input and the monitor's)."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    paths = []
    for index in range(files):
        path = folder / f"part-{index:02d}.csv"
        paths.append(path)
        if path.exists():
            continue
        matrix = _columns(np.random.default_rng(index), rows // files)
        table = pa.table(
            {
                name: matrix[:, i].astype(np.int64) if i % 4 != 2 else matrix[:, i]
                for i, name in enumerate(FEATURES)
            }
        )
        pacsv.write_csv(table, path, write_options=pacsv.WriteOptions(include_header=False))
    return paths


def write_model(folder: Path) -> Path:
    import xgboost

    from batchops.models import ModelManifest, pack_model

    x = _columns(np.random.default_rng(11), 20_000).astype(np.float32)
    y = (x[:, 2] + 2 * x[:, 1] - 8 * x[:, 3] > 10).astype(np.float32)
    booster = xgboost.train(
        {"objective": "binary:logistic", "max_depth": 4, "seed": 1},
        xgboost.DMatrix(x, label=y),
        num_boost_round=20,
    )
    manifest = ModelManifest(feature_names=FEATURES, n_features=len(FEATURES))
    path = folder / "model.tar.gz"
    path.write_bytes(
        pack_model(
            {
                "xgboost-model": bytes(booster.save_raw("json")),
                "batchops-model.json": manifest.to_json().encode(),
            }
        )
    )
    return path


def timed(run: Callable[[], Any]) -> float:
    started = time.perf_counter()
    run()
    return time.perf_counter() - started


def cpu_seconds(client: Any) -> tuple[float, float]:
    """CPU seconds used so far by this process (client, scheduler, a local job) and by the
    workers: on a loaded host wall times vary, what each side computes much less."""
    import psutil

    def used() -> float:
        times = psutil.Process().cpu_times()
        return float(times.user + times.system)

    return used(), sum(client.run(used).values())


def scheduler_mb(client: Any) -> float:
    def rss() -> int:
        import psutil

        return int(psutil.Process().memory_info().rss)

    return float(client.run_on_scheduler(rss)) / 2**20


def _high_water_mark_mb() -> float:
    """This process's peak RSS since its last reset (Linux's VmHWM)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _reset_high_water_mark() -> None:
    Path("/proc/self/clear_refs").write_text("5")  # "5": reset the peak RSS to the current


def reset_peaks(client: Any) -> None:
    _reset_high_water_mark()
    client.run(_reset_high_water_mark)
    client.run_on_scheduler(_reset_high_water_mark)


def peaks(client: Any) -> dict[str, float]:
    """Peak RSS (MiB) since the last reset: this process, the scheduler, each worker."""
    found = {"this process": _high_water_mark_mb()}
    if client.run_on_scheduler(os.getpid) != os.getpid():  # a LocalCluster's is this process
        found["scheduler"] = float(client.run_on_scheduler(_high_water_mark_mb))
    workers = client.run(_high_water_mark_mb)
    for index, address in enumerate(sorted(workers)):
        found[f"worker {index + 1}"] = float(workers[address])
    return found


def merge_share(data: Path, client: Any) -> tuple[float, float]:
    """Seconds to profile the parts on the cluster, and to merge their profiles on the client."""
    from batchops.monitor import reading
    from batchops.monitor.dataset import probe_input, resolve_input
    from batchops.monitor.on_dask import profile_parts_on
    from batchops.monitor.profiling import MAX_PARTS_PER_FILE, ColumnOptions, merge_profiles

    source = resolve_input(data, False, (), None, None)
    kinds, integers = probe_input(source)
    plan = reading.ReadPlan(source.layout, kinds, include=source.included)
    options = {n: ColumnOptions(distinguish_whole=n in integers) for n in source.included}
    parts = reading.split_parts(source.files, MAX_PARTS_PER_FILE)
    started = time.perf_counter()
    profiles = list(profile_parts_on(client)(parts, plan, options))  # merged apart below
    profiled = time.perf_counter() - started
    return profiled, timed(lambda: merge_profiles(profiles))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--files", type=int, default=4)
    parser.add_argument("--dir", type=Path, help="Keep the generated data here (reused).")
    parser.add_argument("--repeat", type=int, default=3, help="Timed runs per side (median).")
    parser.add_argument("--jobs", default="baseline,monitor,transform")
    arguments = parser.parse_args()

    from distributed import Client, LocalCluster

    from batchops.monitor import baseline, check
    from batchops.transform import transform

    with tempfile.TemporaryDirectory(prefix="bench-scale-") as scratch:
        folder = arguments.dir or Path(scratch)
        data = folder / "data"
        data.mkdir(parents=True, exist_ok=True)
        started = time.perf_counter()
        files = write_data(data, arguments.rows, arguments.files)
        print(
            f"data: {arguments.rows:,} rows in {len(files)} files "
            f"({time.perf_counter() - started:.1f} s)"
        )
        model = write_model(folder)
        out = Path(scratch)
        reference = baseline(files[0], out / "reference", header=False)
        started = time.perf_counter()
        with (
            LocalCluster(
                n_workers=2,
                threads_per_worker=1,
                processes=True,
                dashboard_address=None,
                silence_logs=logging.ERROR,
            ) as cluster,
            Client(cluster) as client,
        ):
            print(
                "LocalCluster(2 workers x 1 thread) started in "
                f"{time.perf_counter() - started:.1f} s"
            )
            address = cluster.scheduler_address
            # Both sides warm: this process made the reference baseline above; the workers
            # load the same libraries once here, so neither side times its imports.
            started = time.perf_counter()
            baseline(files[0], out / "reference-dask", header=False, dask=address)
            print(f"workers warmed (libraries loaded) in {time.perf_counter() - started:.1f} s")
            jobs: dict[str, Callable[[str | None, str], Any]] = {
                "baseline": lambda dask, name: baseline(data, out / name, header=False, dask=dask),
                "monitor": lambda dask, name: check(
                    data,
                    statistics=reference.statistics_uri,
                    constraints=reference.constraints_uri,
                    out_dir=out / name,
                    header=False,
                    dask=dask,
                ),
                "transform": lambda dask, name: transform(
                    model, data, out / name, workers=0, dask=dask
                ),
            }
            chosen = arguments.jobs.split(",")
            for job, run in ((name, jobs[name]) for name in chosen):
                cpu_start = cpu_seconds(client)
                reset_peaks(client)
                here = statistics.median(
                    timed(lambda run=run, job=job, i=i: run(None, f"{job}-here-{i}"))
                    for i in range(arguments.repeat)
                )
                cpu_here = cpu_seconds(client)
                peak_here = peaks(client)["this process"]
                reset_peaks(client)
                there = statistics.median(
                    timed(lambda run=run, job=job, i=i: run(address, f"{job}-dask-{i}"))
                    for i in range(arguments.repeat)
                )
                cpu_there = cpu_seconds(client)
                peak_there = peaks(client)
                verdict = "met" if there <= 1.2 * here else "MISSED"
                print(
                    f"{job:9}: one process {here:6.1f} s = {arguments.rows / here:>10,.0f} rows/s; "
                    f"LocalCluster {there:6.1f} s = {arguments.rows / there:>10,.0f} rows/s; "
                    f"ratio {there / here:.2f} (target <= 1.2: {verdict})"
                )
                runs = arguments.repeat
                alone = (cpu_here[0] - cpu_start[0]) / runs
                workers = (cpu_there[1] - cpu_here[1]) / runs
                client_side = (cpu_there[0] - cpu_here[0]) / runs
                print(
                    f"{'':9}  CPU per run: one process {alone:.1f} s; LocalCluster {workers:.1f} s "
                    f"in the workers + {client_side:.1f} s here (client and scheduler)"
                )
                within = "met" if peak_here <= 1024 else "MISSED"
                cluster_peaks = ", ".join(f"{name} {mb:,.0f}" for name, mb in peak_there.items())
                print(
                    f"{'':9}  peak RSS: one process {peak_here:,.0f} MiB (target <= 1 GiB: "
                    f"{within}); LocalCluster: {cluster_peaks} MiB"
                )
            profiled, merged = merge_share(data, client)
            share = merged / (profiled + merged)
            print(
                f"merge of partition profiles: {merged * 1000:.1f} ms of {profiled + merged:.1f} s "
                f"= {share:.2%} (target < 5%: {'met' if share < 0.05 else 'MISSED'})"
            )
            print("scheduler memory as the data grows (baseline on the cluster):")
            steps = sorted({max(1, round(len(files) * k / 4)) for k in range(1, 5)})
            for count in steps:
                subset = out / f"subset-{count}"
                subset.mkdir()
                for path in files[:count]:
                    os.link(path, subset / path.name)
                seconds = timed(
                    lambda s=subset, c=count: baseline(
                        s, out / f"grow-{c}", header=False, dask=address
                    )
                )
                rows = arguments.rows // len(files) * count
                print(
                    f"  {rows:>12,} rows: {seconds:6.1f} s, "
                    f"scheduler RSS {scheduler_mb(client):7.1f} MiB"
                )


if __name__ == "__main__":
    main()
