"""The newest data-quality checks, each with its execution, violations, report and the model
version the execution used: what the front page and the monitoring page list.

Only the check steps are read: a check's summary depends on its own step alone, and the other
steps would cost registry look-ups and file reads for nothing."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Text, cast, select

from batchops.pipeline.steps.types import StepType
from batchops.runtime.summary import summarize_execution
from batchops.store.db import session_scope
from batchops.store.executions import execution_records
from batchops.store.schema.pipelines import StepRunRow
from batchops.store.schema.registry import ModelUsageRow
from batchops.store.statuses import StepStatus

CHECK_TYPES = (StepType.MONITOR_BATCH_TRANSFORM, StepType.QUALITY_CHECK)


def recent_runs(limit: int = 20) -> list[dict[str, Any]]:
    """The newest `limit` checks, newest first, reading as many check steps as still wanted
    at a time (reading more executions than the page shows is what this call costs)."""
    runs: list[dict[str, Any]] = []
    seen = 0
    while len(runs) < limit:
        steps = _check_steps(limit - len(runs), seen)
        if not steps:
            break
        seen += len(steps)
        runs.extend(_checks_of(list(dict.fromkeys(steps))))
    return runs[:limit]


def _check_steps(count: int, skip: int) -> list[str]:
    """The executions of the newest succeeded check steps after the first `skip` of them, one
    entry per step (an execution may check twice).

    A step checked data when its properties name a violation report; the text test keeps
    baselining steps out here, so one round nearly always fills the list."""
    with session_scope() as session:
        found = session.execute(
            select(StepRunRow.execution_id)
            .where(
                StepRunRow.step_type.in_([str(t) for t in CHECK_TYPES]),
                StepRunRow.status == StepStatus.SUCCEEDED,
                cast(StepRunRow.properties, Text).contains('"ViolationReport"'),
            )
            .order_by(StepRunRow.id.desc())
            .offset(skip)
            .limit(count)
        ).all()
    return [row[0] for row in found]


def _checks_of(ids: list[str]) -> list[dict[str, Any]]:
    with session_scope() as session:
        used: dict[str, str] = {}
        for usage in session.execute(
            select(ModelUsageRow.execution_id, ModelUsageRow.group_name, ModelUsageRow.version)
            .where(ModelUsageRow.execution_id.in_(ids))
            .order_by(ModelUsageRow.id)
        ):
            used.setdefault(usage.execution_id, f"{usage.group_name}/{usage.version}")
    records = execution_records(ids, step_types=CHECK_TYPES)  # checks need no other step
    runs: list[dict[str, Any]] = []
    for execution_id in ids:
        record = records.get(execution_id)
        if record is None:  # deleted since the first query
            continue
        for check in summarize_execution(record).checks:
            runs.append(
                {
                    "execution_id": execution_id,
                    "pipeline": record.pipeline,
                    "step": check.step,
                    "ended_at": record.ended_at.isoformat() if record.ended_at else None,
                    "violations": check.violations,
                    "violation_types": check.violation_types,
                    "features": [v.column or v.feature for v in check.found],
                    "has_report": check.report is not None,
                    "model_version": used.get(execution_id),
                }
            )
    return runs
