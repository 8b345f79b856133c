"""Each monitoring run's figures in the metadata store, as series for alarms and trends.

Below the runtime (which records them) and the registry, events and server (which read them).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from sqlalchemy import select

from batchops.store.db import session_scope
from batchops.store.schema import utcnow
from batchops.store.schema.monitoring import MonitoringMetricRow


def record_metrics(
    run_uri: str,
    metrics: Mapping[str, float],
    *,
    execution_id: str | None = None,
    step_name: str | None = None,
) -> int:
    """Store one run's figures; a NaN or infinity (nothing to chart) is left out."""
    values = {name: float(value) for name, value in metrics.items() if math.isfinite(value)}
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


def upsert_metrics(
    run_uri: str,
    metrics: Mapping[str, float],
    *,
    key: str,
    execution_id: str | None = None,
    step_name: str | None = None,
) -> int:
    """Store figures that replace earlier ones of the same `key` (e.g. `customer-churn/3|
    2024-05-01`): a late label updates that prediction date's datapoint instead of adding one."""
    values = {name: float(value) for name, value in metrics.items() if math.isfinite(value)}
    with session_scope() as session:
        for name, value in values.items():
            series_key = f"{name}|{key}"
            row = session.scalars(
                select(MonitoringMetricRow).where(MonitoringMetricRow.series_key == series_key)
            ).one_or_none()
            if row is None:
                row = MonitoringMetricRow(metric=name, series_key=series_key, run_uri=run_uri)
                session.add(row)
            row.run_uri = run_uri
            row.execution_id = execution_id
            row.step_name = step_name
            row.value = value
            row.recorded_at = utcnow()
    return len(values)


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
                "series_key": r.series_key,
            }
            for r in rows
        ]
