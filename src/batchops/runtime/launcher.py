"""`python -m batchops.runtime.launcher EXECUTION_ID [--crash-at POINT ...]`: run an execution
detached from its caller (`--crash-at`: tests only, see batchops.crashpoints).

SIGTERM (a shutdown, a `kill`) stops the execution cleanly, as Ctrl-C does in the foreground:
it ends Stopped and can be retried. A SIGKILL leaves no chance to record anything; the missing
heartbeat tells the next reader, who marks it Failed.
"""

from __future__ import annotations

import argparse
import signal
import sys
from types import FrameType

from batchops.crashpoints import OPTION, CrashPoints
from batchops.runtime.control import ExecutionInterrupted
from batchops.runtime.executor import run_execution
from batchops.store import executions
from batchops.store.statuses import ExecutionStatus


def _interrupt(_signal: int, _frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m batchops.runtime.launcher")
    parser.add_argument("execution_id")
    parser.add_argument(OPTION, dest="crash_at", action="append", default=[])
    arguments = parser.parse_args(argv)
    execution_id = arguments.execution_id
    crash_points = CrashPoints.of(arguments.crash_at)
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        finished = run_execution(execution_id, crash_points=crash_points)
        return 0 if finished is ExecutionStatus.SUCCEEDED else 1
    except ExecutionInterrupted:
        return 1
    except Exception as error:  # the execution must not stay Executing forever
        executions.update_execution(
            execution_id,
            status=ExecutionStatus.FAILED,
            ended_at=executions.now(),
            failure_reason=f"runtime error: {error}",
        )
        raise


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
