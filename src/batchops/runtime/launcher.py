"""`python -m batchops.runtime.launcher EXECUTION_ID [OUTPUT] [--dask ADDRESS] [--crash-at POINT
...]`: run an execution detached from its caller. OUTPUT is the local file the runner's stdout
and stderr go to; when the runner ends, what it printed is kept with the execution's logs in the
artifact store. `--dask`: the cluster its steps' work runs on (`--crash-at`: tests only, see
batchops.crashpoints).

SIGTERM (a shutdown, a `kill`) stops the execution cleanly, as Ctrl-C does in the foreground:
it ends Stopped and can be retried. A SIGKILL leaves no chance to record anything; the missing
heartbeat tells the next reader, who marks it Failed.
"""

from __future__ import annotations

import argparse
import signal
import sys
import traceback
from pathlib import Path
from types import FrameType

from batchops.crashpoints import OPTION, CrashPoints
from batchops.runtime.control import ExecutionInterrupted
from batchops.runtime.executor import run_execution
from batchops.runtime.step_logs import keep_runner_output, runner_log_uri
from batchops.store import executions
from batchops.store.statuses import ExecutionStatus


def _interrupt(_signal: int, _frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m batchops.runtime.launcher")
    parser.add_argument("execution_id")
    parser.add_argument("output", nargs="?", help="the local file the runner's output goes to")
    parser.add_argument("--dask", help="the Dask scheduler the steps' work runs on")
    parser.add_argument(OPTION, dest="crash_at", action="append", default=[])
    arguments = parser.parse_args(argv)
    execution_id = arguments.execution_id
    crash_points = CrashPoints.of(arguments.crash_at)
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        return _run(execution_id, crash_points, arguments.dask)
    finally:
        if arguments.output:
            _keep_output(execution_id, Path(arguments.output))


def _run(execution_id: str, crash_points: CrashPoints, dask: str | None) -> int:
    try:
        finished = run_execution(execution_id, crash_points=crash_points, dask=dask)
        return 0 if finished is ExecutionStatus.SUCCEEDED else 1
    except ExecutionInterrupted:
        return 1
    except Exception as error:  # the execution must not stay Executing forever
        traceback.print_exc()
        executions.update_execution(
            execution_id,
            status=ExecutionStatus.FAILED,
            ended_at=executions.now(),
            failure_reason=f"runtime error: {error}",
        )
        return 1


def _keep_output(execution_id: str, output: Path) -> None:
    sys.stdout.flush()
    sys.stderr.flush()
    try:
        pipeline = executions.get_execution_row(execution_id).pipeline_name
        keep_runner_output(output, runner_log_uri(pipeline, execution_id))
    except Exception:  # the store is out of reach: the local file is all there is
        traceback.print_exc()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
