"""Which executions used which model versions: the `model_usages` table's one owner.

A use is recorded when an execution looks a version up to score or check with
(GetApprovedModel, a shadow's ShadowScore). "The version an execution used" is decided here
once: its newest recorded use, which the churn example keeps the approved version's by
recording a shadow first.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from batchops.store.db import session_scope
from batchops.store.schema import utcnow
from batchops.store.schema.registry import ModelUsageRow


@dataclass(frozen=True)
class Usage:
    execution_id: str
    group: str
    version: int
    step_name: str
    at: datetime

    @property
    def ref(self) -> str:
        return f"{self.group}/{self.version}"


def add_usage(session: Session, execution_id: str, group: str, version: int, step: str) -> None:
    """Note a use in the caller's transaction; the same use twice (a retry, a concurrent
    one) keeps one row."""
    table = ModelUsageRow.__table__.c
    exists = session.scalar(
        select(table.id).where(
            table.execution_id == execution_id,
            table.group_name == group,
            table.version == version,
            table.step_name == step,
        )
    )
    if exists is not None:
        return
    try:
        with session.begin_nested():
            session.add(
                ModelUsageRow(
                    execution_id=execution_id,
                    group_name=group,
                    version=version,
                    step_name=step,
                    at=utcnow(),
                )
            )
    except IntegrityError:
        pass  # recorded a moment ago by a concurrent retry


def delete_usages(session: Session, group: str, version: int) -> None:
    """Forget a deleted version's uses, in the transaction that deletes it."""
    for usage in session.scalars(
        select(ModelUsageRow).where(
            ModelUsageRow.group_name == group, ModelUsageRow.version == version
        )
    ):
        session.delete(usage)


def uses_of_version(group: str, version: int) -> list[Usage]:
    """The executions that used a version, in the order they did."""
    table = ModelUsageRow.__table__.c
    return _read(
        select(ModelUsageRow.__table__)
        .where(table.group_name == group, table.version == version)
        .order_by(table.id)
    )


def uses_by_execution(execution_id: str) -> list[Usage]:
    """The versions an execution used, in the order it looked them up."""
    table = ModelUsageRow.__table__.c
    return _read(
        select(ModelUsageRow.__table__).where(table.execution_id == execution_id).order_by(table.id)
    )


def models_used(execution_ids: Sequence[str]) -> dict[str, Usage]:
    """The version each execution used (its newest recorded use), by execution id, in one
    query; executions that used none are left out."""
    if not execution_ids:
        return {}
    table = ModelUsageRow.__table__.c
    newest = (
        select(func.max(table.id))
        .where(table.execution_id.in_(list(execution_ids)))
        .group_by(table.execution_id)
    )
    found = _read(select(ModelUsageRow.__table__).where(table.id.in_(newest)))
    return {usage.execution_id: usage for usage in found}


def model_used(execution_id: str) -> Usage | None:
    """The version one execution used, or None (`models_used` for one id)."""
    return models_used([execution_id]).get(execution_id)


def _read(query: Select[Any]) -> list[Usage]:
    with session_scope() as session:
        rows = session.execute(query).all()
    return [Usage(r.execution_id, r.group_name, r.version, r.step_name, r.at) for r in rows]
