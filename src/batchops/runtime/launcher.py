"""`python -m batchops.runtime.launcher EXECUTION_ID`: run an execution detached from its caller.

SIGTERM (a shutdown, a `kill`) stops the execution cleanly, as Ctrl-C does in the foreground:
it ends Stopped and can be retried. A SIGKILL leaves no chance to record anything; the missing
heartbeat tells the next reader, who marks it Failed.
"""

from __future__ import annotations

import signal
import sys
from types import FrameType

from batchops.runtime.control import ExecutionInterrupted
from batchops.runtime.executor import run_execution
from batchops.store import executions
from batchops.store.statuses import ExecutionStatus


def _interrupt(_signal: int, _frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def main(argv: list[str]) -> int:
    execution_id = argv[0]
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        return 0 if run_execution(execution_id) is ExecutionStatus.SUCCEEDED else 1
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
