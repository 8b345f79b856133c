"""Step runs read across executions, newest first: the checks the monitoring list shows, and
the timings `/metrics` reports. One page at a time, in SQL, never the whole history."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select

from batchops.store.db import session_scope
from batchops.store.schema.pipelines import ExecutionRow, StepRunRow
from batchops.store.statuses import StepStatus


def executions_of_checks(step_types: Collection[str], *, limit: int, offset: int = 0) -> list[str]:
    """The executions of the newest succeeded steps of these types that checked data, one
    entry per step (an execution may check twice), skipping the newest `offset` of them.

    A step checked data when its properties name a `ViolationReport` (a QualityCheckStep's
    own, a MonitorBatchTransformStep's under `DataQuality`); a baselining step names none."""
    table = StepRunRow.__table__.c
    reported = or_(
        table.properties["ViolationReport"].as_string().is_not(None),
        table.properties[("DataQuality", "ViolationReport")].as_string().is_not(None),
    )
    with session_scope() as session:
        found = session.execute(
            select(table.execution_id)
            .where(
                table.step_type.in_([str(t) for t in step_types]),
                table.status == StepStatus.SUCCEEDED,
                reported,
            )
            .order_by(table.id.desc())
            .offset(offset)
            .limit(limit)
        ).all()
    return [row[0] for row in found]


@dataclass(frozen=True)
class StepTiming:
    pipeline: str
    step: str
    started_at: datetime
    ended_at: datetime
    properties: dict[str, Any]

    @property
    def seconds(self) -> float:
        return (self.ended_at - self.started_at).total_seconds()


def newest_succeeded_steps(limit: int) -> list[StepTiming]:
    """The newest `limit` succeeded step runs that have both their times, newest first."""
    steps = StepRunRow.__table__.c
    with session_scope() as session:
        rows = session.execute(
            select(
                ExecutionRow.pipeline_name,
                steps.name,
                steps.started_at,
                steps.ended_at,
                steps.properties,
            )
            .join(ExecutionRow, ExecutionRow.id == steps.execution_id)
            .where(steps.status == StepStatus.SUCCEEDED)
            .order_by(steps.id.desc())
            .limit(limit)
        ).all()
    return [
        StepTiming(pipeline, name, started, ended, properties or {})
        for pipeline, name, started, ended, properties in rows
        if started is not None and ended is not None
    ]
