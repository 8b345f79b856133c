"""Schedules, rules, alarms (the objects of `schedule|rule|alarm describe --json`), their
history, pausing and resuming them, the event log read by position, and the scheduler's log."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Body, Query, Request, Response
from pydantic import BaseModel, Field

from batchops.events import alarms, rules, schedules
from batchops.server import response_models as models
from batchops.server.auth import Principal, requires
from batchops.server.pagination import Limit, Offset, page
from batchops.server.responses import json_response
from batchops.store.events import read_events
from batchops.store.tokens import Role

router = APIRouter(prefix="/api", tags=["automation"])
HistoryLimit = Annotated[int, Query(ge=1, le=1000, description="Newest entries.")]
Values = dict[str, str]


class NewSchedule(BaseModel):
    name: str = Field(max_length=128)
    pipeline: str = Field(max_length=256)
    cron: str = Field(max_length=256)
    timezone: str = Field(default="UTC", max_length=64)
    parameters: Values = Field(default_factory=dict)
    catch_up: Literal["skip", "latest"] = "skip"


class NewRule(BaseModel):
    name: str = Field(max_length=128)
    on: str = Field(max_length=64, description="An event type, e.g. ModelVersionRegistered.")
    filters: Values = Field(default_factory=dict)
    start: str | None = Field(default=None, max_length=256, description="A pipeline to start.")
    parameters: Values = Field(default_factory=dict)
    webhook: str | None = Field(default=None, max_length=2048)
    secret_env: str | None = Field(default=None, max_length=128)
    log: bool = False


class NewAlarm(BaseModel):
    name: str = Field(max_length=128)
    metric: str = Field(max_length=256)
    above: float | None = None
    below: float | None = None
    pipeline: str | None = Field(default=None, max_length=256)
    datapoints: int = Field(default=1, ge=1, le=alarms.MAX_WINDOW)
    of: int = Field(default=1, ge=1, le=alarms.MAX_WINDOW)
    webhook: str | None = Field(default=None, max_length=2048)
    secret_env: str | None = Field(default=None, max_length=128)


# --- schedules ------------------------------------------------------------------------------


@router.get(
    "/schedules", response_model=models.Page[models.Schedule], dependencies=[requires(Role.VIEWER)]
)
def list_schedules(request: Request, limit: Limit = 50, offset: Offset = 0) -> Response:
    """Schedules by name, with their state (ENABLED or PAUSED) and next tick."""
    found = [s.to_json() for s in schedules.list_schedules(limit=limit, offset=offset)]
    return json_response(page(request, found, schedules.count_schedules(), limit, offset))


@router.get(
    "/schedules/{name}",
    response_model=models.ScheduleDescribed,
    dependencies=[requires(Role.VIEWER)],
)
def describe_schedule(name: str) -> Response:
    return json_response(schedules.describe_schedule(name))


@router.get(
    "/schedules/{name}/history",
    response_model=list[models.HistoryEntry],
    dependencies=[requires(Role.VIEWER)],
)
def schedule_history(name: str, limit: HistoryLimit = 100) -> Response:
    """Ticks started, skipped and missed, oldest first."""
    schedules.get_schedule(name)
    return json_response(schedules.schedule_history(name, limit))


@router.post(
    "/schedules/{name}/pause",
    response_model=models.Schedule,
    dependencies=[requires(Role.APPROVER)],
)
def pause_schedule(name: str) -> Response:
    return json_response(schedules.set_paused(name, True).to_json())


@router.post(
    "/schedules/{name}/resume",
    response_model=models.Schedule,
    dependencies=[requires(Role.APPROVER)],
)
def resume_schedule(name: str) -> Response:
    """Resume from the next tick after now; ticks while paused are not run."""
    return json_response(schedules.set_paused(name, False).to_json())


@router.post(
    "/schedules",
    status_code=201,
    response_model=models.Schedule,
    dependencies=[requires(Role.ADMIN)],
)
def create_schedule(body: Annotated[NewSchedule, Body()]) -> Response:
    created = schedules.create_schedule(
        body.name,
        body.pipeline,
        body.cron,
        timezone=body.timezone,
        parameters=body.parameters,
        catch_up=body.catch_up,
    )
    return json_response(created.to_json(), status_code=201)


@router.delete(
    "/schedules/{name}", response_model=models.Deleted, dependencies=[requires(Role.ADMIN)]
)
def delete_schedule(name: str) -> Response:
    schedules.delete_schedule(name)
    return json_response({"deleted": name})


# --- rules ----------------------------------------------------------------------------------


@router.get("/rules", response_model=models.Page[models.Rule], dependencies=[requires(Role.VIEWER)])
def list_rules(request: Request, limit: Limit = 50, offset: Offset = 0) -> Response:
    """Event rules by name: the event type, filters and action."""
    found = [r.to_json() for r in rules.list_rules(limit=limit, offset=offset)]
    return json_response(page(request, found, rules.count_rules(), limit, offset))


@router.get(
    "/rules/{name}", response_model=models.RuleDescribed, dependencies=[requires(Role.VIEWER)]
)
def describe_rule(name: str) -> Response:
    return json_response(rules.describe_rule(name))


@router.get(
    "/rules/{name}/history",
    response_model=list[models.HistoryEntry],
    dependencies=[requires(Role.VIEWER)],
)
def rule_history(name: str, limit: HistoryLimit = 100) -> Response:
    """The events the rule matched and what it did, oldest first."""
    rules.get_rule(name)
    return json_response(rules.rule_history(name, limit))


@router.post(
    "/rules", status_code=201, response_model=models.Rule, dependencies=[requires(Role.ADMIN)]
)
def create_rule(body: Annotated[NewRule, Body()]) -> Response:
    created = rules.create_rule(
        body.name,
        body.on,
        filters=body.filters,
        start=body.start,
        parameters=body.parameters,
        webhook=body.webhook,
        secret_env=body.secret_env,
        log=body.log,
    )
    return json_response(created.to_json(), status_code=201)


@router.post("/rules/{name}/pause", response_model=models.Rule)
def pause_rule(name: str, principal: Principal = requires(Role.APPROVER)) -> Response:
    """Act on no event until resumed."""
    return json_response(rules.set_rule_paused(name, True, principal.user).to_json())


@router.post("/rules/{name}/resume", response_model=models.Rule)
def resume_rule(name: str, principal: Principal = requires(Role.APPROVER)) -> Response:
    """Act on the events from now on; those that arrived while paused are not acted on."""
    return json_response(rules.set_rule_paused(name, False, principal.user).to_json())


@router.delete("/rules/{name}", response_model=models.Deleted, dependencies=[requires(Role.ADMIN)])
def delete_rule(name: str) -> Response:
    rules.delete_rule(name)
    return json_response({"deleted": name})


# --- alarms ---------------------------------------------------------------------------------


@router.get(
    "/alarms", response_model=models.Page[models.Alarm], dependencies=[requires(Role.VIEWER)]
)
def list_alarms(request: Request, limit: Limit = 50, offset: Offset = 0) -> Response:
    """Alarms by name with their state: OK, ALARM or INSUFFICIENT_DATA."""
    found = [a.to_json() for a in alarms.list_alarms(limit=limit, offset=offset)]
    return json_response(page(request, found, alarms.count_alarms(), limit, offset))


@router.get(
    "/alarms/{name}", response_model=models.AlarmDescribed, dependencies=[requires(Role.VIEWER)]
)
def describe_alarm(name: str) -> Response:
    return json_response(alarms.describe_alarm(name))


@router.get(
    "/alarms/{name}/history",
    response_model=list[models.HistoryEntry],
    dependencies=[requires(Role.VIEWER)],
)
def alarm_history(name: str, limit: HistoryLimit = 100) -> Response:
    """State changes, oldest first."""
    alarms.get_alarm(name)
    return json_response(alarms.alarm_history(name, limit))


@router.post(
    "/alarms", status_code=201, response_model=models.Alarm, dependencies=[requires(Role.ADMIN)]
)
def create_alarm(body: Annotated[NewAlarm, Body()]) -> Response:
    created = alarms.create_alarm(
        body.name,
        body.metric,
        above=body.above,
        below=body.below,
        pipeline=body.pipeline,
        datapoints=body.datapoints,
        of=body.of,
        webhook=body.webhook,
        secret_env=body.secret_env,
    )
    return json_response(created.to_json(), status_code=201)


@router.post("/alarms/{name}/pause", response_model=models.Alarm)
def pause_alarm(name: str, principal: Principal = requires(Role.APPROVER)) -> Response:
    """Evaluate no datapoint (no transition, no webhook) until resumed."""
    return json_response(alarms.set_alarm_paused(name, True, principal.user).to_json())


@router.post("/alarms/{name}/resume", response_model=models.Alarm)
def resume_alarm(name: str, principal: Principal = requires(Role.APPROVER)) -> Response:
    """Evaluate from the next datapoint; those that arrived while paused cause no transition."""
    return json_response(alarms.set_alarm_paused(name, False, principal.user).to_json())


@router.delete("/alarms/{name}", response_model=models.Deleted, dependencies=[requires(Role.ADMIN)])
def delete_alarm(name: str) -> Response:
    alarms.delete_alarm(name)
    return json_response({"deleted": name})


# --- the event log --------------------------------------------------------------------------


@router.get("/events", response_model=models.EventPage, dependencies=[requires(Role.VIEWER)])
def events(
    request: Request,
    after: Annotated[int, Query(ge=0, le=2**62, description="Events after this position.")] = 0,
    limit: Limit = 50,
) -> Response:
    """The event log oldest first from `after`; `next` reads on from the last position."""
    items = [e.to_json() for e in read_events(after, limit)]
    last = items[-1]["position"] if items else after
    following = (
        str(request.url.include_query_params(after=last, limit=limit))
        if len(items) == limit
        else None
    )
    return json_response({"items": items, "after": after, "limit": limit, "next": following})


# --- the scheduler's log --------------------------------------------------------------------


@router.get(
    "/scheduler/log",
    response_model=list[models.SchedulerLogEntry],
    dependencies=[requires(Role.VIEWER)],
)
def scheduler_log(
    kind: Annotated[
        str | None, Query(max_length=16, description="tick, rule, delivery, alarm, lease, ...")
    ] = None,
    since: Annotated[str | None, Query(max_length=64, description="An ISO-8601 moment.")] = None,
    limit: HistoryLimit = 100,
) -> Response:
    """What the schedulers of every host did (`batchops scheduler logs`), oldest first."""
    from batchops.events.clock import parse_moment
    from batchops.events.logs import read_log

    moment = parse_moment(since, "since") if since else None
    return json_response(read_log(kind, moment, limit))
