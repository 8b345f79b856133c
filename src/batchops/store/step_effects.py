"""Once per step, whatever the retries: a step's effects outside its output folder.

A step's output folder is rewritten whole by a retry, but what it adds elsewhere (metric
datapoints alarms read, an event rules act on, index rows) would be added again by an
attempt that repeats one killed after committing them. Such an effect is recorded in the
transaction that makes it, under a key of (execution, step, effect) the table holds once:
a later attempt finds the key and leaves the effect as the first attempt made it.
"""

from __future__ import annotations

import hashlib

from sqlalchemy import delete
from sqlalchemy.orm import Session

from batchops.store.schema import utcnow
from batchops.store.schema.effects import StepEffectRow


def _key(execution_id: str, step_name: str, effect: str) -> str:
    return hashlib.sha256(f"{execution_id}\n{step_name}\n{effect}".encode()).hexdigest()


def first_time(session: Session, execution_id: str, step_name: str, effect: str) -> bool:
    """Claim `effect` of this step in the caller's transaction: True the first time (make the
    effect in this transaction), False when an earlier attempt's transaction committed it.

    Two attempts racing both see True; the second to commit fails on the key, so the effect
    is never made twice."""
    key = _key(execution_id, step_name, effect)
    if session.get(StepEffectRow, key) is not None:
        return False
    session.add(
        StepEffectRow(
            key=key,
            execution_id=execution_id,
            step_name=step_name,
            effect=effect,
            recorded_at=utcnow(),
        )
    )
    session.flush()
    return True


def forget_execution(session: Session, execution_id: str) -> None:
    """Drop an execution's keys with the execution (nothing can retry its steps any more)."""
    session.execute(delete(StepEffectRow).where(StepEffectRow.execution_id == execution_id))
