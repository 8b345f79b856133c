"""Execution and step-run rows in the metadata database, and the JSON shape scripts rely on.

The runtime writes them; the registry (lineage), the CLI and the server read them here, below
both, so reading an execution never imports the runtime that runs it.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import select

from batchops.errors import NotFound
from batchops.store.db import session_scope
from batchops.store.schema import utcnow
from batchops.store.schema.pipelines import ExecutionRow, StepRunRow
from batchops.store.statuses import ExecutionStatus, StepStatus


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def new_execution_id() -> str:
    return uuid.uuid4().hex[:12]


def create_execution(
    pipeline: str, version: int, parameters: dict[str, Any], steps: dict[str, str], user: str
) -> str:
    execution_id = new_execution_id()
    with session_scope() as session:
        session.add(
            ExecutionRow(
                id=execution_id,
                pipeline_name=pipeline,
                pipeline_version=version,
                status=ExecutionStatus.EXECUTING,
                parameters=parameters,
                created_by=user,
            )
        )
        session.flush()
        for name, step_type in steps.items():
            session.add(
                StepRunRow(
                    execution_id=execution_id,
                    name=name,
                    step_type=step_type,
                    status=StepStatus.PENDING,
                )
            )
    return execution_id


def get_execution_row(execution_id: str) -> ExecutionRow:
    with session_scope() as session:
        row = session.get(ExecutionRow, execution_id)
        if row is None:
            raise NotFound(f"unknown execution {execution_id!r}")
        session.expunge(row)
        return row


def step_rows(execution_id: str) -> list[StepRunRow]:
    with session_scope() as session:
        rows = session.scalars(
            select(StepRunRow)
            .where(StepRunRow.execution_id == execution_id)
            .order_by(StepRunRow.id)
        ).all()
        for row in rows:
            session.expunge(row)
        return list(rows)


def update_step(execution_id: str, name: str, **fields: Any) -> None:
    with session_scope() as session:
        row = session.scalar(
            select(StepRunRow).where(
                StepRunRow.execution_id == execution_id, StepRunRow.name == name
            )
        )
        if row is None:
            raise NotFound(f"execution {execution_id!r} has no step {name!r}")
        for key, value in fields.items():
            setattr(row, key, value)


def update_execution(execution_id: str, **fields: Any) -> None:
    with session_scope() as session:
        row = session.get(ExecutionRow, execution_id)
        if row is None:
            raise NotFound(f"unknown execution {execution_id!r}")
        for key, value in fields.items():
            setattr(row, key, value)


def reset_for_retry(execution_id: str) -> int:
    """Put every step that did not succeed back to Pending; return the new attempt number."""
    with session_scope() as session:
        row = session.get(ExecutionRow, execution_id)
        if row is None:
            raise NotFound(f"unknown execution {execution_id!r}")
        row.attempt += 1
        row.status = ExecutionStatus.EXECUTING
        row.ended_at = None
        row.failure_reason = None
        for step in session.scalars(
            select(StepRunRow).where(StepRunRow.execution_id == execution_id)
        ):
            if step.status != StepStatus.SUCCEEDED:
                step.status = StepStatus.PENDING
                step.failure_reason = None
                step.started_at = None
                step.ended_at = None
        return row.attempt


def find_cached_run(
    pipeline: str, cache_key: str, not_before: datetime | None
) -> StepRunRow | None:
    with session_scope() as session:
        query = (
            select(StepRunRow)
            .join(ExecutionRow, ExecutionRow.id == StepRunRow.execution_id)
            .where(
                ExecutionRow.pipeline_name == pipeline,
                StepRunRow.cache_key == cache_key,
                StepRunRow.status == StepStatus.SUCCEEDED,
            )
            .order_by(StepRunRow.ended_at.desc())
        )
        if not_before is not None:
            query = query.where(StepRunRow.ended_at >= not_before)
        row = session.scalars(query.limit(1)).first()
        if row is not None:
            session.expunge(row)
        return row


def step_json(row: StepRunRow) -> dict[str, Any]:
    return {
        "name": row.name,
        "type": row.step_type,
        "status": row.status,
        "started_at": _iso(row.started_at),
        "ended_at": _iso(row.ended_at),
        "attempt": row.attempt,
        "inputs": row.inputs,
        "outputs": row.outputs,
        "properties": row.properties,
        "failure_reason": row.failure_reason,
        "cached_from": row.cached_from,
        "log_uri": row.log_uri,
    }


def execution_json(execution_id: str) -> dict[str, Any]:
    row = get_execution_row(execution_id)
    return {
        "id": row.id,
        "pipeline": row.pipeline_name,
        "pipeline_version": row.pipeline_version,
        "status": row.status,
        "parameters": row.parameters,
        "started_at": _iso(row.started_at),
        "ended_at": _iso(row.ended_at),
        "failure_reason": row.failure_reason,
        "attempt": row.attempt,
        "created_by": row.created_by,
        "steps": [step_json(s) for s in step_rows(execution_id)],
    }


def list_executions(pipeline: str | None = None, limit: int = 50) -> list[dict[str, Any]]:
    with session_scope() as session:
        query = select(ExecutionRow).order_by(ExecutionRow.started_at.desc()).limit(limit)
        if pipeline:
            query = query.where(ExecutionRow.pipeline_name == pipeline)
        rows = session.scalars(query).all()
        return [
            {
                "id": r.id,
                "pipeline": r.pipeline_name,
                "pipeline_version": r.pipeline_version,
                "status": r.status,
                "parameters": r.parameters,
                "started_at": _iso(r.started_at),
                "ended_at": _iso(r.ended_at),
                "failure_reason": r.failure_reason,
            }
            for r in rows
        ]


def now() -> datetime:
    return utcnow()
