"""`python -m batchops.runtime.launcher EXECUTION_ID`: run an execution detached from its caller."""

from __future__ import annotations

import sys

from batchops.runtime.executor import run_execution
from batchops.store import executions
from batchops.store.statuses import ExecutionStatus


def main(argv: list[str]) -> int:
    execution_id = argv[0]
    try:
        return 0 if run_execution(execution_id) is ExecutionStatus.SUCCEEDED else 1
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
