"""The statuses an execution and its steps go through, as stored and as `--json` shows them.

They are `StrEnum`s: a member is its string, so the database columns, the JSON output and
the event messages hold the same text as before these names existed, and a status read
back from the database (plain text) compares equal to its member.
"""

from __future__ import annotations

from enum import StrEnum


class ExecutionStatus(StrEnum):
    EXECUTING = "Executing"
    SUCCEEDED = "Succeeded"
    FAILED = "Failed"
    STOPPED = "Stopped"

    @property
    def is_terminal(self) -> bool:
        """Done for good (until a retry): nothing more will change without a person acting."""
        return self is not ExecutionStatus.EXECUTING


class StepStatus(StrEnum):
    PENDING = "Pending"
    EXECUTING = "Executing"
    SUCCEEDED = "Succeeded"
    FAILED = "Failed"
    SKIPPED = "Skipped"  # something it depends on failed or was skipped
    STOPPED = "Stopped"  # running when the execution was stopped
    NOT_EXECUTED = "NotExecuted"  # on a condition's branch that was not taken


RETRYABLE = frozenset({ExecutionStatus.FAILED, ExecutionStatus.STOPPED})
"""Executions a retry may resume."""
