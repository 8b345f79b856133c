"""Alarms on metrics, as CloudWatch alarms: OK, ALARM or INSUFFICIENT_DATA.

Evaluated when a new datapoint of the metric arrives (of the pipeline's executions when one is
named): of the last N datapoints, at least M breaching (above or below the threshold) is
ALARM; fewer than M datapoints in all is INSUFFICIENT_DATA; else OK. A transition is written
with an AlarmStateChanged event, a history entry and, when the alarm has a webhook, a queued
delivery, all in one transaction.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from batchops.errors import Conflict, InvalidInput, NotFound
from batchops.events import history, webhooks
from batchops.events.logs import log
from batchops.events.schedules import check_name
from batchops.settings import get_settings
from batchops.store.db import session_scope
from batchops.store.events import Event, EventType, append_event
from batchops.store.schema import iso, utcnow
from batchops.store.schema.automation import AlarmRow
from batchops.store.schema.events import EventRow
from batchops.store.schema.monitoring import MonitoringMetricRow
from batchops.store.schema.pipelines import ExecutionRow

OK, ALARM, INSUFFICIENT_DATA = "OK", "ALARM", "INSUFFICIENT_DATA"
MAX_WINDOW = 1000
"""The most datapoints an alarm looks back over (its window is read on every evaluation)."""

#: The metrics batchops records, as patterns (a feature's name is anything).
KNOWN_METRICS = {
    "dataset_item_count": "rows of a monitored batch",
    "violation_count": "violations a data-quality check found",
    "feature_baseline_drift_<feature>": "a feature's distance from its baseline",
    "feature_completeness_<feature>": "a feature's share of present values",
    "feature_data_type_share_<feature>": "a feature's share of values of its type",
    "feature_domain_share_<feature>": "a feature's share of values in its domain",
    "model_<metric>": "a registered version's evaluation figure (model_accuracy, model_auc …)",
    "model_quality.<metric>": "realised quality once labels arrive, by prediction date "
    "(model_quality.accuracy, model_quality.auc …)",
    "execution_duration_seconds": "an execution's duration",
    "execution_failed": "1 for a failed execution, 0 for one that succeeded or was stopped",
}
_METRIC = re.compile(
    r"^(dataset_item_count|violation_count|execution_duration_seconds|execution_failed"
    r"|feature_(baseline_drift|completeness|data_type_share|domain_share)_.+|model_\w+"
    r"|model_quality\.\w+)$"
)


def check_metric(metric: str) -> str:
    if not _METRIC.match(metric):
        raise InvalidInput(
            f"unknown metric {metric!r}; batchops records: {', '.join(KNOWN_METRICS)}"
        )
    return metric


@dataclass(frozen=True)
class Alarm:
    name: str
    metric: str
    pipeline: str | None
    comparison: str
    threshold: float
    datapoints: int
    of: int
    url: str | None
    secret_env: str | None
    state: str
    state_reason: str
    state_changed_at: datetime
    created_at: datetime
    created_by: str

    @classmethod
    def of_row(cls, row: AlarmRow) -> Alarm:
        return cls(
            row.name,
            row.metric,
            row.pipeline,
            row.comparison,
            row.threshold,
            row.datapoints,
            row.of,
            row.url,
            row.secret_env,
            row.state,
            row.state_reason,
            row.state_changed_at,
            row.created_at,
            row.created_by,
        )

    def breaches(self, value: float) -> bool:
        return value > self.threshold if self.comparison == "above" else value < self.threshold

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "metric": self.metric,
            "pipeline": self.pipeline,
            "condition": f"{self.comparison} {self.threshold:g}",
            "comparison": self.comparison,
            "threshold": self.threshold,
            "datapoints": self.datapoints,
            "of": self.of,
            "webhook": self.url,
            "secret_env": self.secret_env,
            "state": self.state,
            "state_reason": self.state_reason,
            "state_changed_at": iso(self.state_changed_at),
            "created_at": iso(self.created_at),
            "created_by": self.created_by,
        }


def create_alarm(
    name: str,
    metric: str,
    *,
    above: float | None = None,
    below: float | None = None,
    pipeline: str | None = None,
    datapoints: int = 1,
    of: int = 1,
    webhook: str | None = None,
    secret_env: str | None = None,
) -> Alarm:
    from batchops.runtime.pipelines import describe_pipeline

    check_name(name, "alarm")
    check_metric(metric)
    if (above is None) == (below is None):
        raise InvalidInput(f"alarm {name}: give exactly one of `above` or `below`")
    threshold = above if above is not None else below
    if threshold is None or not math.isfinite(threshold):
        raise InvalidInput(f"alarm {name}: the threshold must be a finite number, got {threshold}")
    if not 1 <= datapoints <= of <= MAX_WINDOW:
        raise InvalidInput(
            f"alarm {name}: `datapoints` M `of` N needs 1 <= M <= N <= {MAX_WINDOW} "
            f"(got {datapoints} of {of})"
        )
    if pipeline:
        describe_pipeline(pipeline)  # NotFound for an unknown pipeline
    if webhook:
        webhooks.check_url(webhook)
        webhooks.check_secret_env(secret_env)
    with session_scope() as session:
        if session.get(AlarmRow, name) is not None:
            raise Conflict(f"alarm {name} exists already; delete it first")
        newest = session.scalar(select(func.max(MonitoringMetricRow.id))) or 0
        row = AlarmRow(
            name=name,
            metric=metric,
            pipeline=pipeline,
            comparison="above" if above is not None else "below",
            threshold=float(above if above is not None else below),  # type: ignore[arg-type]
            datapoints=datapoints,
            of=of,
            url=webhook,
            secret_env=secret_env,
            state=INSUFFICIENT_DATA,
            state_reason="no datapoint since the alarm was created",
            state_changed_at=utcnow(),
            last_datapoint=newest,
            created_by=get_settings().user,
        )
        session.add(row)
        session.flush()
        return Alarm.of_row(row)


def get_alarm(name: str) -> Alarm:
    with session_scope() as session:
        row = session.get(AlarmRow, name)
        if row is None:
            raise NotFound(f"unknown alarm {name!r}")
        return Alarm.of_row(row)


def list_alarms() -> list[Alarm]:
    with session_scope() as session:
        return [Alarm.of_row(r) for r in session.scalars(select(AlarmRow).order_by(AlarmRow.name))]


def describe_alarm(name: str) -> dict[str, Any]:
    return {**get_alarm(name).to_json(), "history": alarm_history(name, limit=10)}


def alarm_history(name: str, limit: int = 100) -> list[dict[str, Any]]:
    get_alarm(name)
    return history.entries("alarm", name, limit)


def delete_alarm(name: str) -> None:
    with session_scope() as session:
        row = session.get(AlarmRow, name)
        if row is None:
            raise NotFound(f"unknown alarm {name!r}")
        session.delete(row)


def evaluate_alarms() -> int:
    """Evaluate every alarm on the datapoints that arrived since it last looked; transitions."""
    transitions = 0
    with session_scope() as session:
        newest = session.scalar(select(func.max(MonitoringMetricRow.id))) or 0
        names = list(session.scalars(select(AlarmRow.name).where(AlarmRow.last_datapoint < newest)))
    for name in names:
        transitions += _evaluate(name)
    return transitions


def _datapoints(alarm: AlarmRow) -> Any:
    query = select(MonitoringMetricRow.id, MonitoringMetricRow.value).where(
        MonitoringMetricRow.metric == alarm.metric
    )
    if alarm.pipeline:
        query = query.join(ExecutionRow, ExecutionRow.id == MonitoringMetricRow.execution_id).where(
            ExecutionRow.pipeline_name == alarm.pipeline
        )
    return query


def _evaluate(name: str) -> int:
    transitions = 0
    with session_scope() as session:
        row = session.get(AlarmRow, name, with_for_update=True)
        if row is None:
            return 0
        base = _datapoints(row)
        new = session.execute(
            base.where(MonitoringMetricRow.id > row.last_datapoint).order_by(MonitoringMetricRow.id)
        ).all()
        if not new:
            return 0
        earlier = (
            session.execute(
                base.where(MonitoringMetricRow.id <= row.last_datapoint, MonitoringMetricRow.id > 0)
                .order_by(MonitoringMetricRow.id.desc())
                .limit(row.of - 1)
            ).all()
            if row.of > 1
            else []
        )
        alarm = Alarm.of_row(row)
        window = [value for _, value in reversed(earlier)]
        state = row.state
        for point_id, value in new:
            window = [*window, value][-row.of :]
            wanted, reason = _state_of(alarm, window)
            if wanted != state:
                _transition(session, row, state, wanted, reason, point_id, value)
                state = wanted
                transitions += 1
        row.last_datapoint = new[-1][0]
    return transitions


def _state_of(alarm: Alarm, window: list[float]) -> tuple[str, str]:
    breaching = sum(alarm.breaches(v) for v in window)
    condition = f"{alarm.metric} {alarm.comparison} {alarm.threshold:g}"
    if len(window) < alarm.datapoints:
        return INSUFFICIENT_DATA, f"{len(window)} datapoint(s), {alarm.datapoints} needed"
    if breaching >= alarm.datapoints:
        return ALARM, f"{breaching} of the last {len(window)} datapoint(s) {condition}"
    return OK, f"{breaching} of the last {len(window)} datapoint(s) {condition}"


def _transition(
    session: Any, row: AlarmRow, old: str, new: str, reason: str, point_id: int, value: float
) -> None:
    row.state, row.state_reason, row.state_changed_at = new, reason, utcnow()
    detail = {
        "alarm": row.name,
        "state": new,
        "old_state": old,
        "metric": row.metric,
        "value": value,
        "reason": reason,
        "datapoint": point_id,
        "chain": [],
    }
    append_event(
        session, EventType.ALARM_STATE_CHANGED, old_status=old, new_status=new, detail=detail
    )
    history.add_entry(
        session,
        "alarm",
        row.name,
        new,
        {"old_state": old, "value": value, "reason": reason},
        key=f"alarm:{row.name}:{point_id}",
    )
    log(
        "alarm",
        f"alarm {row.name}: {old} -> {new}",
        alarm=row.name,
        state=new,
        old_state=old,
        value=value,
        reason=reason,
    )
    if row.url:
        session.flush()
        position = session.scalar(select(func.max(EventRow.id)))
        event = Event.of(session.get(EventRow, position))
        webhooks.enqueue(
            session,
            f"alarm:{row.name}:{point_id}",
            "alarm",
            row.name,
            row.url,
            row.secret_env,
            {"alarm": Alarm.of_row(row).to_json(), "event": event.to_json()},
        )
