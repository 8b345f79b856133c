"""Schedules: a pipeline started on a cron calendar in a time zone.

Ticks come from croniter in the schedule's zone (daylight-saving changes included). Ticks
missed while no scheduler ran follow `catch_up`: `skip` (the default, as EventBridge) runs
only a tick that is due now (within ON_TIME_SECONDS), `latest` runs the latest missed one
once; never a burst.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from croniter import croniter
from sqlalchemy import func, select, update

from batchops.errors import Conflict, InvalidInput, NotFound
from batchops.events import history
from batchops.events.start_parameters import Definitions, check_pipeline_parameters
from batchops.events.templates import check_templates
from batchops.settings import get_settings
from batchops.store.db import session_scope
from batchops.store.managed import Managed, managed_json, managed_of
from batchops.store.schema import iso, utcnow
from batchops.store.schema.automation import ScheduleRow

CATCH_UP = ("skip", "latest")
ON_TIME_SECONDS = 300.0
"""A tick this late still counts as due now; later ones were missed."""
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")


def check_name(name: str, what: str) -> str:
    if not _NAME.match(name):
        raise InvalidInput(
            f"{what} name {name!r}: use letters, digits, '.', '_' and '-' (at most 128)"
        )
    return name


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise InvalidInput(
            f"unknown time zone {name!r} (use an IANA name such as Europe/Paris)"
        ) from error


def check_cron(expression: str) -> str:
    if len(expression.split()) != 5 or not croniter.is_valid(expression):
        raise InvalidInput(
            f"invalid cron expression {expression!r}: five fields, minute hour day month weekday "
            "(e.g. '0 6 * * *')"
        )
    return expression


def next_tick(expression: str, timezone: str, after: datetime) -> datetime:
    """The first tick strictly after `after`, in UTC."""
    local = after.astimezone(zone(timezone))
    return croniter(expression, local).get_next(datetime).astimezone(UTC)


def latest_tick(expression: str, timezone: str, at_or_before: datetime) -> datetime:
    """The last tick at or before the moment, in UTC."""
    local = (at_or_before + timedelta(seconds=1)).astimezone(zone(timezone))
    return croniter(expression, local).get_prev(datetime).astimezone(UTC)


@dataclass(frozen=True)
class Schedule:
    name: str
    pipeline: str
    cron: str
    timezone: str
    parameters: dict[str, str]
    catch_up: str
    paused: bool
    next_tick_at: datetime
    last_tick_at: datetime | None
    last_execution_id: str | None
    created_at: datetime
    created_by: str
    managed: Managed | None = None

    @classmethod
    def of(cls, row: ScheduleRow) -> Schedule:
        return cls(
            row.name,
            row.pipeline,
            row.cron,
            row.timezone,
            dict(row.parameters or {}),
            row.catch_up,
            row.paused,
            row.next_tick_at,
            row.last_tick_at,
            row.last_execution_id,
            row.created_at,
            row.created_by,
            managed_of(row),
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "pipeline": self.pipeline,
            "cron": self.cron,
            "timezone": self.timezone,
            "parameters": self.parameters,
            "catch_up": self.catch_up,
            "state": "PAUSED" if self.paused else "ENABLED",
            "next_tick_at": None if self.paused else iso(self.next_tick_at),
            "last_tick_at": iso(self.last_tick_at),
            "last_execution_id": self.last_execution_id,
            "created_at": iso(self.created_at),
            "created_by": self.created_by,
            "managed": managed_json(self.managed),
        }


def check_schedule(
    name: str,
    pipeline: str,
    cron: str,
    *,
    timezone: str = "UTC",
    parameters: dict[str, str] | None = None,
    catch_up: str = "skip",
    declared: Definitions | None = None,
) -> dict[str, Any]:
    """Check everything now (cron, zone, pipeline, parameters), so nothing fails at 6 a.m.;
    the columns to store."""
    check_name(name, "schedule")
    check_cron(cron)
    zone(timezone)
    if catch_up not in CATCH_UP:
        raise InvalidInput(f"`catch_up` {catch_up!r}: one of {', '.join(CATCH_UP)}")
    parameters = dict(parameters or {})
    check_pipeline_parameters(pipeline, parameters, f"schedule {name}", declared)
    check_templates(parameters, ["time"], f"schedule {name}")
    return {
        "pipeline": pipeline,
        "cron": cron,
        "timezone": timezone,
        "parameters": parameters,
        "catch_up": catch_up,
    }


def create_schedule(
    name: str,
    pipeline: str,
    cron: str,
    *,
    timezone: str = "UTC",
    parameters: dict[str, str] | None = None,
    catch_up: str = "skip",
    paused: bool = False,
    managed: Managed | None = None,
    now: datetime | None = None,
) -> Schedule:
    """A new schedule (Conflict if the name is taken), checked by `check_schedule`."""
    columns = check_schedule(
        name, pipeline, cron, timezone=timezone, parameters=parameters, catch_up=catch_up
    )
    moment = now or utcnow()
    with session_scope() as session:
        if session.get(ScheduleRow, name) is not None:
            raise Conflict(f"schedule {name} exists already; delete it first")
        row = ScheduleRow(
            name=name,
            **columns,
            paused=paused,
            next_tick_at=next_tick(cron, timezone, moment),
            created_at=moment,
            created_by=get_settings().user,
        )
        if managed is not None:
            managed.write(row)
        session.add(row)
        session.flush()
        return Schedule.of(row)


def update_schedule(
    name: str,
    pipeline: str,
    cron: str,
    *,
    timezone: str = "UTC",
    parameters: dict[str, str] | None = None,
    catch_up: str = "skip",
    paused: bool = False,
    managed: Managed | None = None,
    now: datetime | None = None,
) -> Schedule:
    """Change a schedule in place, in one transaction: its history and last start stay; a
    new calendar (or a resume) ticks next after now, an unchanged one keeps its next tick."""
    columns = check_schedule(
        name, pipeline, cron, timezone=timezone, parameters=parameters, catch_up=catch_up
    )
    moment = now or utcnow()
    with session_scope() as session:
        row = session.get(ScheduleRow, name, with_for_update=True)
        if row is None:
            raise NotFound(f"unknown schedule {name!r}")
        if (row.cron, row.timezone) != (cron, timezone) or (row.paused and not paused):
            row.next_tick_at = next_tick(cron, timezone, moment)
        for column, value in columns.items():
            setattr(row, column, value)
        row.paused = paused
        if managed is not None:
            managed.write(row)
        session.flush()
        return Schedule.of(row)


def get_schedule(name: str) -> Schedule:
    with session_scope() as session:
        row = session.get(ScheduleRow, name)
        if row is None:
            raise NotFound(f"unknown schedule {name!r}")
        return Schedule.of(row)


def list_schedules(*, limit: int | None = None, offset: int = 0) -> list[Schedule]:
    """Schedules by name; `limit` and `offset` read one page."""
    query = select(ScheduleRow).order_by(ScheduleRow.name).offset(offset).limit(limit)
    with session_scope() as session:
        return [Schedule.of(r) for r in session.scalars(query)]


def count_schedules() -> int:
    with session_scope() as session:
        return int(session.scalar(select(func.count()).select_from(ScheduleRow)) or 0)


def describe_schedule(name: str) -> dict[str, Any]:
    return {**get_schedule(name).to_json(), "history": schedule_history(name, limit=10)}


def schedule_history(name: str, limit: int = 100) -> list[dict[str, Any]]:
    return history.entries("schedule", name, limit)


def set_paused(name: str, paused: bool, now: datetime | None = None) -> Schedule:
    """Pause, or resume from the next tick after now (ticks while paused are not run)."""
    with session_scope() as session:
        row = session.get(ScheduleRow, name, with_for_update=True)
        if row is None:
            raise NotFound(f"unknown schedule {name!r}")
        if row.paused and not paused:
            row.next_tick_at = next_tick(row.cron, row.timezone, now or utcnow())
        row.paused = paused
        session.flush()
        return Schedule.of(row)


def delete_schedule(name: str) -> None:
    with session_scope() as session:
        row = session.get(ScheduleRow, name)
        if row is None:
            raise NotFound(f"unknown schedule {name!r}")
        session.delete(row)


@dataclass(frozen=True)
class DueTick:
    """A tick claimed for running (`tick`), or None with only missed ones to record."""

    schedule: Schedule
    tick: datetime | None
    missed: int


def claim_due(now: datetime) -> list[DueTick]:
    """Move every due schedule past `now` and return what to run.

    Each move is a compare-and-set on `next_tick_at`, so two schedulers (even past the lease)
    never both claim one tick.
    """
    claimed = []
    with session_scope() as session:
        due = session.scalars(
            select(ScheduleRow).where(
                ScheduleRow.paused.is_(False), ScheduleRow.next_tick_at <= now
            )
        ).all()
        plans = [(Schedule.of(r), r.next_tick_at) for r in due]
    for schedule, first in plans:
        latest = latest_tick(schedule.cron, schedule.timezone, now)
        following = next_tick(schedule.cron, schedule.timezone, latest)
        with session_scope() as session:
            moved = session.execute(  # type: ignore[attr-defined]
                update(ScheduleRow)
                .where(ScheduleRow.name == schedule.name, ScheduleRow.next_tick_at == first)
                .values(next_tick_at=following, last_tick_at=latest)
            ).rowcount
        if not moved:
            continue
        missed = _count_ticks(schedule, first, latest)
        on_time = (now - latest).total_seconds() <= ON_TIME_SECONDS
        run = on_time or schedule.catch_up == "latest"
        claimed.append(DueTick(schedule, latest if run else None, missed if run else missed + 1))
    return claimed


def _count_ticks(schedule: Schedule, first: datetime, latest: datetime, cap: int = 10000) -> int:
    """Ticks from `first` up to (not including) `latest`: the ones that will not run."""
    count, tick = 0, first
    while tick < latest and count < cap:
        count += 1
        tick = next_tick(schedule.cron, schedule.timezone, tick)
    return count


def record_started(name: str, execution_id: str) -> None:
    with session_scope() as session:
        row = session.get(ScheduleRow, name)
        if row is not None:
            row.last_execution_id = execution_id
