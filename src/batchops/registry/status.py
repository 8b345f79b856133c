"""Approval statuses as a person types them, and as messages name them.

`ApprovalStatus` (in `store.statuses`, beside the execution statuses, so the pipeline DSL's
RegisterModel default spells it too) is a `StrEnum`: the stored column, the JSON and the
events hold the same text as before, and a status read back compares equal to its member.
"""

from __future__ import annotations

from batchops.errors import InvalidInput
from batchops.store.statuses import ApprovalStatus

PENDING = ApprovalStatus.PENDING
APPROVED = ApprovalStatus.APPROVED
REJECTED = ApprovalStatus.REJECTED
STATUSES = tuple(ApprovalStatus)

_BY_LOWER = {status.lower(): status for status in ApprovalStatus} | {"pending": PENDING}


def check_status(value: str) -> ApprovalStatus:
    """The canonical spelling of `value`; case does not matter, anything else is refused."""
    status = _BY_LOWER.get(value.strip().lower())
    if status is None:
        raise InvalidInput(f"invalid status {value!r}: expected one of {', '.join(STATUSES)}")
    return status


def status_summary(counts: dict[str, int]) -> str:
    """`1 Approved, 2 PendingManualApproval`: what a group holds, for messages; "" when empty."""
    return ", ".join(f"{n} {status}" for status, n in sorted(counts.items()))
