"""The scheduler's reaction time and idle cost.

1. Delay from an event (an execution ending Failed) to the start of the execution a rule
   triggers, with the default polling (target < 1 s).
2. CPU used by an idle `batchops scheduler` over 10 s (target < 1% of a core).

Run: python benchmarks/scheduler.py (prints the figures; nothing is asserted).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main() -> None:
    home = Path(tempfile.mkdtemp(prefix="bench-scheduler-"))
    os.environ["BATCHOPS_HOME"] = str(home)
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
    from batchops.events.rules import create_rule
    from batchops.runtime.execution import start_execution
    from batchops.store.executions import get_execution_row, list_executions
    from support.automation import echo, fail, store_pipeline

    store_pipeline("bad", fail)
    store_pipeline("greet", echo)
    create_rule("react", "ExecutionStatusChanged", filters={"pipeline": "bad"}, start="greet")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    scheduler = subprocess.Popen(
        [sys.executable, "-m", "batchops.cli.main", "scheduler"],
        env=env,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        time.sleep(3)  # started, lease taken
        before = _cpu_seconds(scheduler.pid)
        time.sleep(10)
        idle = (_cpu_seconds(scheduler.pid) - before) / 10
        delays = []
        for _ in range(5):
            failed = start_execution("bad", None, {}, wait=True).id
            ended = get_execution_row(failed).ended_at
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                greets = [
                    e for e in list_executions("greet") if e["id"] not in {d[0] for d in delays}
                ]
                if greets:
                    break
                time.sleep(0.02)
            started = get_execution_row(greets[0]["id"]).started_at
            delays.append((greets[0]["id"], (started - ended).total_seconds()))
            time.sleep(1)
    finally:
        os.killpg(scheduler.pid, signal.SIGTERM)
        scheduler.wait(30)
    figures = sorted(d for _, d in delays)
    print(
        f"event -> triggered start: median {figures[len(figures) // 2]:.3f} s, "
        f"max {figures[-1]:.3f} s (target < 1 s)"
    )
    print(f"idle scheduler CPU: {idle * 100:.2f}% of a core (target < 1%)")


if __name__ == "__main__":
    main()
