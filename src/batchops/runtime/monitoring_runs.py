"""The newest data-quality checks, each with its execution, violations, report and the model
version the execution used: what the front page, the monitoring page and
`/api/monitoring/runs` list.

Only the check steps are read: a check's summary depends on its own step alone, and the other
steps would cost registry look-ups and file reads for nothing."""

from __future__ import annotations

from typing import Any

from batchops.pipeline.steps.types import StepType
from batchops.registry.usage import models_used
from batchops.runtime.summary import Violation, summarize_execution
from batchops.store.executions import execution_records
from batchops.store.recent_steps import executions_of_checks
from batchops.wording import feature_title

CHECK_TYPES = (StepType.MONITOR_BATCH_TRANSFORM, StepType.QUALITY_CHECK)


def recent_runs(limit: int = 20) -> list[dict[str, Any]]:
    """The newest `limit` checks, newest first, reading as many check steps as still wanted
    at a time (reading more executions than the page shows is what this call costs)."""
    runs: list[dict[str, Any]] = []
    seen = 0
    while len(runs) < limit:
        steps = executions_of_checks(CHECK_TYPES, limit=limit - len(runs), offset=seen)
        if not steps:
            break
        seen += len(steps)
        runs.extend(_checks_of(list(dict.fromkeys(steps))))
    return runs[:limit]


def _checks_of(ids: list[str]) -> list[dict[str, Any]]:
    used = models_used(ids)
    records = execution_records(ids, step_types=CHECK_TYPES)  # checks need no other step
    runs: list[dict[str, Any]] = []
    for execution_id in ids:
        record = records.get(execution_id)
        if record is None:  # deleted since the first query
            continue
        model = used.get(execution_id)
        for check in summarize_execution(record).checks:
            runs.append(
                {
                    "execution_id": execution_id,
                    "pipeline": record.pipeline,
                    "step": check.step,
                    "ended_at": record.ended_at.isoformat() if record.ended_at else None,
                    "violations": check.violations,
                    "violation_types": check.violation_types,
                    "features": [_title(v) for v in check.found],
                    "has_report": check.report is not None,
                    "model_version": model.ref if model else None,
                }
            )
    return runs


def _title(violation: Violation) -> str:
    """`Day Mins (_c8)`: the model's name with Model Monitor's positional one beside it."""
    labels = {violation.feature: violation.column} if violation.column else None
    return feature_title(violation.feature, labels)
