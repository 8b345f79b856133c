"""The capacity model's measured inputs (docs/scaling.md, "Capacity").

1. What one execution of each churn pipeline costs: rows per table of the metadata database,
   objects and bytes in the artifact store, and the CPU its runner spent (one real run each).
2. The store and the server under a generated history ten times benchmarks/server.py's
   (10,000 executions with their steps, figures and events; 1,000 model versions): the
   database's size, the time of the queries the scheduler, the page and `gc` make, one
   scheduler pass, and the server's CPU per API request under a few concurrent clients.

It runs against BATCHOPS_DB_URL when set (PostgreSQL: point it at an empty database), else a
SQLite file in a temporary home; the artifacts are local files (an object per file, as in a
bucket). Light on purpose: a few requests per endpoint, one pass of each query.

Run: python benchmarks/capacity.py [--scale 10] [--home DIR: measure a generated home again]
"""

from __future__ import annotations

import argparse
import os
import resource
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import server as history  # benchmarks/server.py: the real runs and the copied history

CLIENTS = 4
REQUESTS_PER_CLIENT = 10
REPEATS = 5


def table_rows() -> dict[str, int]:
    """Rows per table of the metadata database."""
    from sqlalchemy import func, select

    from batchops.store.db import session_scope
    from batchops.store.schema import Base, all_tables

    all_tables()
    with session_scope() as session:
        return {
            name: int(session.scalar(select(func.count()).select_from(table)) or 0)
            for name, table in sorted(Base.metadata.tables.items())
        }


def artifact_files(root: Path) -> tuple[int, int]:
    """Objects and bytes under the artifact root."""
    files = [p for p in root.rglob("*") if p.is_file()]
    return len(files), sum(p.stat().st_size for p in files)


def children_cpu() -> float:
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def delta(before: dict[str, int], after: dict[str, int]) -> dict[str, int]:
    return {name: after[name] - before[name] for name in after if after[name] != before[name]}


def run_costs(folder: Path, artifacts: Path) -> tuple[str, str]:
    """One real run of each pipeline, as benchmarks/server.py makes them; prints what each
    cost in rows, objects, bytes and CPU."""
    rows, objects, cpu = table_rows(), artifact_files(artifacts), children_cpu()
    training, inference = history.real_runs(folder)
    # real_runs ran: data (2), train, approve, inference; split the costs by execution
    from batchops.store.executions import execution_json

    print("one real run of each pipeline (train on 2,000 rows, score 1,000):")
    after_rows, after_objects = table_rows(), artifact_files(artifacts)
    total = delta(rows, after_rows)
    print(f"  rows added, both runs and the approval: {sum(total.values()):,}")
    for name, added in sorted(total.items(), key=lambda item: -item[1]):
        print(f"    {name:<22} {added:>6,}")
    print(
        f"  objects added: {after_objects[0] - objects[0]:,} "
        f"({(after_objects[1] - objects[1]) / 1e6:.2f} MB)"
    )
    for execution_id in (training, inference):
        described = execution_json(execution_id)
        pipeline = described["pipeline"]
        folder_of_run = next(artifacts.rglob(execution_id), None)
        found = artifact_files(folder_of_run) if folder_of_run else (0, 0)
        print(
            f"  {pipeline:<20} {len(described['steps'])} steps, "
            f"{found[0]} objects ({found[1] / 1e3:,.0f} kB) under its execution folder"
        )
    print(f"  CPU of the commands and their runners: {children_cpu() - cpu:.1f} s")
    cpu = children_cpu()
    start = ("pipeline", "start", history.INFERENCE, "-p", "InputData=drifted.csv", "--wait")
    history.run_cli(folder, *start)
    print(
        f"  one more {history.INFERENCE} (pipeline start --wait): "
        f"CPU {children_cpu() - cpu:.1f} s, peak memory of a process "
        f"{resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024:.0f} MB"
    )
    return training, inference


def timed(what: str, call: Callable[[], Any], repeats: int = REPEATS) -> Any:
    """Median wall time of `repeats` calls, printed; the last result."""
    times, result = [], None
    for _ in range(repeats):
        began = time.perf_counter()
        result = call()
        times.append((time.perf_counter() - began) * 1000)
    print(f"  {what:<58} {statistics.median(times):8.1f} ms (max {max(times):.1f})")
    return result


def measure_store(newest: str, version: int) -> None:
    from batchops import registry
    from batchops.events.alarms import create_alarm, list_alarms
    from batchops.events.scheduler import run_once
    from batchops.runtime.cleanup import collect_garbage, parse_age
    from batchops.store.events import last_position, read_events
    from batchops.store.executions import execution_json, list_executions
    from batchops.store.metrics import metric_history

    print("\nthe store's side (median of 5):")
    timed("executions, first page", lambda: list_executions(limit=50))
    timed(
        "executions of a pipeline, page at offset 5,000",
        lambda: list_executions(history.INFERENCE, limit=50, offset=5000),
    )
    timed("one execution with its steps", lambda: execution_json(newest))
    timed(
        "versions of a group, first page", lambda: registry.list_versions(history.GROUP, limit=50)
    )
    timed("latest approved version", lambda: registry.approved_version(history.GROUP))
    timed("one version", lambda: registry.get_version(history.GROUP, version))
    timed("events, 100 from the start", lambda: read_events(0, 100))
    end = last_position()
    timed("events, the newest 100", lambda: read_events(max(0, end - 100), 100))
    timed("a metric's history, 100 points", lambda: metric_history("violation_count"))
    if not any(alarm.name == "capacity" for alarm in list_alarms()):  # a home measured again
        create_alarm("capacity", "violation_count", above=1000)
    timed(f"the scheduler catching up on {end:,} events, once", lambda: run_once(), repeats=1)
    timed("a scheduler pass with nothing new", lambda: run_once())
    removals = timed(
        "gc --older-than 30d, dry run, once",
        lambda: collect_garbage(parse_age("30d"), apply=False),
        repeats=1,
    )
    print(f"  gc would remove the files of {len(removals):,} executions")


def measure_server() -> None:
    import httpx

    from batchops.store.tokens import Role, create_token

    token = create_token("capacity", Role.VIEWER)[0]
    port = history.free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    command = [sys.executable, "-m", "batchops.cli.main", "server", "--port", str(port)]
    process = subprocess.Popen(
        [*command, "--workers", "1", "--no-scheduler"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    endpoints = [
        "/api/executions",
        f"/api/executions?pipeline={history.INFERENCE}&offset=5000",
        f"/api/registry/groups/{history.GROUP}/versions",
        "/api/events?after=0",
        "/metrics",
        "/",
    ]
    print(
        f"\nthe server's side: one process, {CLIENTS} clients x {REQUESTS_PER_CLIENT} requests "
        "an endpoint"
    )
    try:
        history.wait_until_up(base, process)
        headers = {"Authorization": f"Bearer {token}"}
        for path in endpoints:
            with httpx.Client(base_url=base, headers=headers, timeout=60) as warm:
                history.timed_get(warm, path)
            served = history.cpu_seconds(process.pid)
            times = history.concurrent_times(base, token, path, CLIENTS, REQUESTS_PER_CLIENT)
            cpu = (history.cpu_seconds(process.pid) - served) / len(times) * 1000
            print(
                f"  {path:<52} p50 {statistics.median(times):7.1f} ms  "
                f"p95 {statistics.quantiles(times, n=20)[-1]:7.1f} ms  "
                f"server CPU {cpu:6.1f} ms a request ({1000 / cpu:,.0f} requests/s a core)"
            )
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)


def database_bytes() -> int:
    from sqlalchemy import text

    from batchops.settings import get_settings
    from batchops.store.db import get_engine, session_scope

    if get_engine().dialect.name == "postgresql":
        with session_scope() as session:
            query = text("SELECT pg_database_size(current_database())")
            return int(session.execute(query).scalar_one())
    return Path(get_settings().db_url.removeprefix("sqlite:///")).stat().st_size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=10, help="times benchmarks/server.py's")
    parser.add_argument(
        "--home", type=Path, help="measure again a home this benchmark generated (its path)"
    )
    given = parser.parse_args()
    home = given.home or Path(tempfile.mkdtemp(prefix="bench-capacity-"))
    os.environ["BATCHOPS_HOME"] = str(home)
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
    if given.home is None:
        newest, version = generate(home, given.scale)
    else:
        from batchops.store.executions import list_executions

        newest, version = list_executions(limit=1)[0]["id"], history.VERSIONS * given.scale // 2
    for name, count in table_rows().items():
        if count:
            print(f"  {name:<22} {count:>9,} rows")
    print(f"  database size: {database_bytes() / 1e6:.1f} MB (home: {home})")
    measure_store(newest, version)
    measure_server()


def generate(home: Path, scale: int) -> tuple[str, int]:
    """The real runs and the history copied from them: the newest execution, a version."""
    from batchops.settings import get_settings

    originals = run_costs(home, Path(get_settings().artifacts))
    executions, versions = history.EXECUTIONS * scale, history.VERSIONS * scale
    began = time.perf_counter()
    found = history.copy_history(home, originals, executions, versions)
    print(
        f"\nhistory: {executions:,} executions and {versions:,} versions generated in "
        f"{time.perf_counter() - began:.0f} s"
    )
    return found


if __name__ == "__main__":
    main()
