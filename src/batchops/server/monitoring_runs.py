"""The newest data-quality checks, each with its execution, violations, report and the model
version the execution used: what the front page and the monitoring page list.

Only the check steps are read: a check's summary depends on its own step alone, and the other
steps would cost registry look-ups and file reads for nothing."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from batchops.pipeline.steps.types import StepType
from batchops.runtime.summary import summarize_execution
from batchops.store.db import session_scope
from batchops.store.executions import executions_json
from batchops.store.schema.pipelines import StepRunRow
from batchops.store.schema.registry import ModelUsageRow
from batchops.store.statuses import StepStatus

CHECK_TYPES = (StepType.MONITOR_BATCH_TRANSFORM, StepType.QUALITY_CHECK)


def recent_runs(limit: int = 20) -> list[dict[str, Any]]:
    with session_scope() as session:
        candidates = session.execute(
            select(StepRunRow.execution_id, StepRunRow.name, StepRunRow.ended_at)
            .where(
                StepRunRow.step_type.in_([str(t) for t in CHECK_TYPES]),
                StepRunRow.status == StepStatus.SUCCEEDED,
            )
            .order_by(StepRunRow.id.desc())
            .limit(limit * 3)
        ).all()
        ids = list(dict.fromkeys(row[0] for row in candidates))
        used: dict[str, str] = {}
        for usage in session.scalars(
            select(ModelUsageRow).where(ModelUsageRow.execution_id.in_(ids))
        ):
            used.setdefault(usage.execution_id, f"{usage.group_name}/{usage.version}")
    runs: list[dict[str, Any]] = []
    described_all = executions_json(ids, step_types=CHECK_TYPES)  # checks need no other step
    for execution_id in ids:
        described = described_all.get(execution_id)
        if described is None:  # deleted since the first query
            continue
        for check in summarize_execution(described).checks:
            runs.append(
                {
                    "execution_id": execution_id,
                    "pipeline": described["pipeline"],
                    "step": check.step,
                    "ended_at": described["ended_at"],
                    "violations": check.violations,
                    "violation_types": check.violation_types,
                    "features": [v.column or v.feature for v in check.found],
                    "has_report": check.report is not None,
                    "model_version": used.get(execution_id),
                }
            )
        if len(runs) >= limit:
            break
    return runs[:limit]
