"""Alarms on metrics, as CloudWatch alarms: OK, ALARM or INSUFFICIENT_DATA.

Evaluated when a new datapoint of the metric arrives (of the pipeline's executions when one is
named): of the last N datapoints, at least M breaching (above or below the threshold) is
ALARM; fewer than M datapoints in all is INSUFFICIENT_DATA; else OK. A transition is written
with an AlarmStateChanged event, a history entry and, when the alarm has a webhook, a queued
delivery, all in one transaction. A paused alarm is not evaluated.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from batchops.errors import Conflict, InvalidInput, NotFound
from batchops.events import history, logs, webhooks
from batchops.events.schedules import check_name
from batchops.events.start_parameters import Definitions, pipeline_definition
from batchops.settings import get_settings
from batchops.store.db import session_scope
from batchops.store.events import EventType, append_event, newest_event
from batchops.store.managed import Managed, managed_json, managed_of
from batchops.store.metric_names import check_metric
from batchops.store.metrics import datapoints, newest_datapoint
from batchops.store.redact import mask_url
from batchops.store.schema import iso, utcnow
from batchops.store.schema.automation import AlarmRow


class AlarmState(StrEnum):
    """CloudWatch's alarm states; a member is its string, as stored and shown."""

    OK = "OK"
    ALARM = "ALARM"
    INSUFFICIENT_DATA = "INSUFFICIENT_DATA"


OK, ALARM, INSUFFICIENT_DATA = AlarmState.OK, AlarmState.ALARM, AlarmState.INSUFFICIENT_DATA
MAX_WINDOW = 1000
"""The most datapoints an alarm looks back over (its window is read on every evaluation)."""


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
    state: AlarmState
    state_reason: str
    state_changed_at: datetime
    created_at: datetime
    created_by: str
    paused: bool = False
    managed: Managed | None = None

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
            AlarmState(row.state),
            row.state_reason,
            row.state_changed_at,
            row.created_at,
            row.created_by,
            bool(row.paused),
            managed_of(row),
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
            "webhook": mask_url(self.url) if self.url else None,
            "secret_env": self.secret_env,
            "state": self.state,
            "paused": self.paused,
            "state_reason": self.state_reason,
            "state_changed_at": iso(self.state_changed_at),
            "created_at": iso(self.created_at),
            "created_by": self.created_by,
            "managed": managed_json(self.managed),
        }


def check_alarm(
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
    declared: Definitions | None = None,
) -> dict[str, Any]:
    """Check the metric, threshold, window, pipeline and webhook now; the columns to store."""
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
        pipeline_definition(pipeline, declared)  # NotFound for an unknown pipeline
    if webhook:
        webhooks.check_url(webhook)
        webhooks.check_secret_env(secret_env)
    return {
        "metric": metric,
        "pipeline": pipeline,
        "comparison": "above" if above is not None else "below",
        "threshold": float(threshold),
        "datapoints": datapoints,
        "of": of,
        "url": webhook,
        "secret_env": secret_env,
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
    paused: bool = False,
    managed: Managed | None = None,
) -> Alarm:
    """A new alarm (Conflict if the name is taken), checked by `check_alarm`; it evaluates
    the datapoints that arrive from now on."""
    columns = check_alarm(
        name,
        metric,
        above=above,
        below=below,
        pipeline=pipeline,
        datapoints=datapoints,
        of=of,
        webhook=webhook,
        secret_env=secret_env,
    )
    with session_scope() as session:
        if session.get(AlarmRow, name) is not None:
            raise Conflict(f"alarm {name} exists already; delete it first")
        row = AlarmRow(name=name, **columns, paused=paused, created_by=get_settings().user)
        _start_afresh(row, newest_datapoint(session))
        if managed is not None:
            managed.write(row)
        session.add(row)
        session.flush()
        return Alarm.of_row(row)


def update_alarm(
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
    paused: bool = False,
    managed: Managed | None = None,
) -> Alarm:
    """Change an alarm in place, in one transaction, keeping its history. Watching another
    metric or pipeline starts it afresh (INSUFFICIENT_DATA, from the next datapoint); a new
    threshold or window keeps its state until the next datapoint is evaluated."""
    columns = check_alarm(
        name,
        metric,
        above=above,
        below=below,
        pipeline=pipeline,
        datapoints=datapoints,
        of=of,
        webhook=webhook,
        secret_env=secret_env,
    )
    with session_scope() as session:
        row = session.get(AlarmRow, name, with_for_update=True)
        if row is None:
            raise NotFound(f"unknown alarm {name!r}")
        watches_another = (row.metric, row.pipeline) != (metric, pipeline)
        for column, value in columns.items():
            setattr(row, column, value)
        if watches_another:
            _start_afresh(row, newest_datapoint(session))
        _pause(session, row, paused, None)
        if managed is not None:
            managed.write(row)
        session.flush()
        return Alarm.of_row(row)


def _start_afresh(row: AlarmRow, newest: int) -> None:
    """No state yet: it evaluates only datapoints newer than `newest`."""
    row.state = INSUFFICIENT_DATA
    row.state_reason = "no datapoint since the alarm was created"
    row.state_changed_at = utcnow()
    row.last_datapoint = newest


def get_alarm(name: str) -> Alarm:
    with session_scope() as session:
        row = session.get(AlarmRow, name)
        if row is None:
            raise NotFound(f"unknown alarm {name!r}")
        return Alarm.of_row(row)


def list_alarms(*, limit: int | None = None, offset: int = 0) -> list[Alarm]:
    """Alarms by name; `limit` and `offset` read one page."""
    query = select(AlarmRow).order_by(AlarmRow.name).offset(offset).limit(limit)
    with session_scope() as session:
        return [Alarm.of_row(r) for r in session.scalars(query)]


def count_alarms() -> int:
    with session_scope() as session:
        return int(session.scalar(select(func.count()).select_from(AlarmRow)) or 0)


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


def set_alarm_paused(name: str, paused: bool, user: str | None = None) -> Alarm:
    """Pause, or resume. A paused alarm is not evaluated, so it neither changes state nor
    notifies; the datapoints that arrive meanwhile cause no transition after it resumes (they
    stay in the window the next datapoint is judged with)."""
    with session_scope() as session:
        row = session.get(AlarmRow, name, with_for_update=True)
        if row is None:
            raise NotFound(f"unknown alarm {name!r}")
        _pause(session, row, paused, user)
        session.flush()
        return Alarm.of_row(row)


def _pause(session: Session, row: AlarmRow, paused: bool, user: str | None) -> None:
    """Pause or resume the alarm in the caller's transaction (a resumed one judges only the
    datapoints that arrive after), with its history entry; nothing when it already is so."""
    if row.paused == paused:
        return
    if not paused:
        row.last_datapoint = max(row.last_datapoint, newest_datapoint(session))
    row.paused = paused
    history.add_pause_entry(session, "alarm", row.name, paused, user)


def evaluate_alarms() -> int:
    """Evaluate every alarm not paused on the datapoints that arrived since it last looked;
    how many transitions."""
    transitions = 0
    with session_scope() as session:
        newest = newest_datapoint(session)
        names = list(
            session.scalars(
                select(AlarmRow.name).where(
                    AlarmRow.last_datapoint < newest, AlarmRow.paused.is_(False)
                )
            )
        )
    for name in names:
        transitions += _evaluate(name)
    return transitions


def _evaluate(name: str) -> int:
    transitions = 0
    with session_scope() as session:
        row = session.get(AlarmRow, name, with_for_update=True)
        if row is None or row.paused:
            return 0
        new = datapoints(session, row.metric, row.pipeline, after=row.last_datapoint)
        if not new:
            return 0
        earlier = (
            datapoints(
                session, row.metric, row.pipeline, upto=row.last_datapoint, newest=row.of - 1
            )
            if row.of > 1
            else []
        )
        alarm = Alarm.of_row(row)
        window = [value for _, value in earlier]
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


def _state_of(alarm: Alarm, window: list[float]) -> tuple[AlarmState, str]:
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
    logs.add_entry(
        session,
        "alarm",
        f"alarm {row.name}: {old} -> {new}",
        alarm=row.name,
        state=new,
        old_state=old,
        value=value,
        reason=reason,
    )
    if row.url:
        event = newest_event(session)
        webhooks.enqueue(
            session,
            f"alarm:{row.name}:{point_id}",
            "alarm",
            row.name,
            row.url,
            row.secret_env,
            {"alarm": Alarm.of_row(row).to_json(), "event": event.to_json()},
        )
