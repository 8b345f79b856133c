"""The test-only entry point that sets crash points (batchops.crashpoints) in a process:

    python tests/support/crashing.py --crash-at POINT [--crash-at POINT ...] scheduler-once
    python tests/support/crashing.py --crash-at POINT ... start PIPELINE [--background]
    python tests/support/crashing.py --crash-at POINT ... retry EXECUTION_ID [--background]

The process dies by SIGKILL at the first point it reaches (its parent sees -9); `start` and
`retry` run the execution in this process, or with `--background` in a runner whose launcher
gets the points on its command line. It exits 0 when it reached none.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]


def run_crashing(points: list[str], *command: str) -> subprocess.CompletedProcess[str]:
    """This entry point in a subprocess with the test's environment (its home, its database);
    the tests folder is importable there, so pipelines may call the tests' functions."""
    crash_at = [part for point in points for part in ("--crash-at", point)]
    path = os.pathsep.join(p for p in (str(TESTS), os.environ.get("PYTHONPATH")) if p)
    return subprocess.run(
        [sys.executable, __file__, *crash_at, *command],
        env={**os.environ, "PYTHONPATH": path},
        capture_output=True,
        text=True,
        timeout=300,
    )


def main(argv: list[str]) -> int:
    from batchops.crashpoints import OPTION, CrashPoints

    parser = argparse.ArgumentParser(prog="crashing.py")
    parser.add_argument(OPTION, dest="crash_at", action="append", default=[])
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("scheduler-once")
    for name, target in (("start", "pipeline"), ("retry", "execution_id")):
        command = commands.add_parser(name)
        command.add_argument(target)
        command.add_argument("--background", action="store_true")
    arguments = parser.parse_args(argv)
    points = CrashPoints.of(arguments.crash_at)
    if arguments.command == "scheduler-once":
        from batchops.events.scheduler import run_once

        run_once(crash_points=points)
    elif arguments.command == "start":
        from batchops.runtime.pipelines import start_pipeline

        wait = not arguments.background
        print(start_pipeline(arguments.pipeline, wait=wait, crash_points=points).id)
    else:
        from batchops.runtime.execution import retry_execution

        wait = not arguments.background
        retry_execution(arguments.execution_id, wait=wait, crash_points=points)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
