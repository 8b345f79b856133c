"""Approval statuses, spelled as SageMaker spells them so notebooks and rules carry over."""

from __future__ import annotations

from batchops.errors import InvalidInput

PENDING = "PendingManualApproval"
APPROVED = "Approved"
REJECTED = "Rejected"
STATUSES = (PENDING, APPROVED, REJECTED)

_BY_LOWER = {status.lower(): status for status in STATUSES} | {"pending": PENDING}


def check_status(value: str) -> str:
    """The canonical spelling of `value`; case does not matter, anything else is refused."""
    status = _BY_LOWER.get(value.strip().lower())
    if status is None:
        raise InvalidInput(f"invalid status {value!r}: expected one of {', '.join(STATUSES)}")
    return status


def status_summary(counts: dict[str, int]) -> str:
    """`1 Approved, 2 PendingManualApproval`: what a group holds, for messages; "" when empty."""
    return ", ".join(f"{n} {status}" for status, n in sorted(counts.items()))
