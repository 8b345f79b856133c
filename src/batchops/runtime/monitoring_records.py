"""Keeps each monitoring run's per-feature figures in the metadata store, for alarms and trends."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from batchops.store.db import session_scope
from batchops.store.schema.monitoring import MonitoringMetricRow

if TYPE_CHECKING:
    from batchops.runtime.context import StepContext


def _numbers(metrics: Any) -> dict[str, float]:
    """Flatten a metrics document into name -> number, dropping what is not a finite number."""
    flat: dict[str, float] = {}

    def walk(prefix: str, value: Any) -> None:
        if isinstance(value, dict):
            for key, item in value.items():
                walk(f"{prefix}.{key}" if prefix else str(key), item)
        elif (
            isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
        ):
            flat[prefix] = float(value)

    walk("", metrics)
    return flat


def record_metrics(
    run_uri: str, metrics: Any, *, execution_id: str | None = None, step_name: str | None = None
) -> int:
    values = _numbers(metrics)
    with session_scope() as session:
        for name, value in values.items():
            session.add(
                MonitoringMetricRow(
                    run_uri=run_uri,
                    execution_id=execution_id,
                    step_name=step_name,
                    metric=name,
                    value=value,
                )
            )
    return len(values)


def record_check(run_uri: str, check: Any, context: StepContext) -> None:
    """Store the run's figures under the names metrics.json gives them."""
    record_metrics(
        run_uri,
        check.metric_values,
        execution_id=context.execution_id,
        step_name=context.step_name,
    )


def metric_history(metric: str, limit: int = 100) -> list[dict[str, Any]]:
    with session_scope() as session:
        rows = session.scalars(
            select(MonitoringMetricRow)
            .where(MonitoringMetricRow.metric == metric)
            .order_by(MonitoringMetricRow.recorded_at.desc())
            .limit(limit)
        ).all()
        return [
            {
                "run_uri": r.run_uri,
                "execution_id": r.execution_id,
                "value": r.value,
                "recorded_at": r.recorded_at.isoformat(),
            }
            for r in rows
        ]
