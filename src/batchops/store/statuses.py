"""The statuses executions, steps and model versions go through, as stored and as `--json`
shows them.

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


class ApprovalStatus(StrEnum):
    """A model version's approval, spelled as SageMaker spells it so notebooks and rules carry
    over; the registry moves versions between them (`registry.status`)."""

    PENDING = "PendingManualApproval"
    APPROVED = "Approved"
    REJECTED = "Rejected"
