"""The web page: server-rendered screens over the same library calls as the API.

Forms post here (with the session's CSRF token) and redirect back; the one script polls an
execution's statuses while it runs. Jinja2 autoescapes everything a record holds.
"""

from __future__ import annotations

import json
import urllib.parse
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader, select_autoescape

from batchops import registry as models
from batchops.errors import InvalidInput, NotFound
from batchops.events.alarms import AlarmState, alarm_history, list_alarms, set_alarm_paused
from batchops.events.rules import last_failure, list_rules, rule_history, set_rule_paused
from batchops.events.schedules import list_schedules, schedule_history, set_paused
from batchops.models.problem_types import SHOWN
from batchops.pipeline.graph import PipelineGraph
from batchops.registry.versions import pending_versions, versions_numbered
from batchops.runtime.catalog import definition_versions, pipeline_managed_by
from batchops.runtime.execution import execution_logs, retry_execution, stop_execution
from batchops.runtime.monitoring_runs import recent_runs
from batchops.runtime.pipelines import describe_pipeline, start_pipeline
from batchops.runtime.summary import (
    baseline_column_labels,
    column_labels,
    started_by,
    steps_not_run,
    summarize_execution,
)
from batchops.server.auth import (
    SESSION_COOKIE,
    SESSION_SECONDS,
    Principal,
    end_session_of,
    new_session_cookie,
    public,
    requires,
)
from batchops.server.charts import Trend, trend
from batchops.server.dag import NODE_HEIGHT, NODE_WIDTH, layout
from batchops.server.files import step_files, version_files
from batchops.server.routes.pipelines import pipelines_with_last_execution
from batchops.store.events import last_position, read_events
from batchops.store.executions import count_executions, execution_record, list_executions
from batchops.store.metric_names import BASELINE_DRIFT
from batchops.store.metrics import feature_series, realised_quality
from batchops.store.tokens import Role, authenticate, pasted_token
from batchops.wording import duration, feature_title

router = APIRouter(include_in_schema=False)
TRENDS_SHOWN = 12
VERSIONS_SHOWN = 100
#: The realised figures the monitoring page charts: every problem type's headline figures
#: (accuracy and auc, weighted_f1, rmse, mae and r2), each where a version has them.
QUALITY = SHOWN
# The sections of the page, in the nav's order; a new section is one line here.
NAV = [
    ("/", "Overview"),
    ("/registry", "Registry"),
    ("/monitoring", "Monitoring"),
    ("/automation", "Automation"),
]
EVENTS_SHOWN = 25
HISTORY_SHOWN = 5

_environment = Environment(
    loader=FileSystemLoader(Path(__file__).with_name("templates")),
    autoescape=select_autoescape(default=True, default_for_string=True),
)
_environment.filters["tojson_compact"] = lambda v: json.dumps(v, indent=1, default=str)
_environment.filters["moment"] = lambda v: v.isoformat() if v else ""
_environment.filters["duration"] = lambda v: "—" if v is None else duration(v)
templates = Jinja2Templates(env=_environment)


def render(
    request: Request, name: str, principal: Principal | None, status: int = 200, **context: Any
) -> HTMLResponse:
    return templates.TemplateResponse(
        request,
        name,
        {
            "nav": NAV,
            "user": principal,
            "csrf": principal.csrf_token if principal else "",
            "node_width": NODE_WIDTH,
            "node_height": NODE_HEIGHT,
            **context,
        },
        status_code=status,
    )


def render_error(request: Request, status: int, detail: str) -> HTMLResponse:
    return render(request, "error.html", None, status=status, status_code=status, detail=detail)


def _see(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def _quote(text: str) -> str:
    return urllib.parse.quote(text, safe="")


# --- signing in -----------------------------------------------------------------------------


@router.get("/login", dependencies=[public()])
def login_form(request: Request, next: Annotated[str, Query(max_length=512)] = "/") -> Response:
    return render(request, "login.html", None, next=_local(next), failed=False)


@router.post("/login", dependencies=[public()])
def login(
    request: Request,
    token: Annotated[str, Form(max_length=512)],
    next: Annotated[str, Form(max_length=512)] = "/",
) -> Response:
    """Exchange a token for a session cookie naming a new session (kept in the database)."""
    try:
        info = authenticate(pasted_token(token))
    except InvalidInput as problem:
        return render(
            request, "login.html", None, status=400, next=_local(next), problem=str(problem)
        )
    if info is None:
        return render(request, "login.html", None, status=401, next=_local(next), failed=True)
    response = _see(_local(next))
    response.set_cookie(
        SESSION_COOKIE,
        new_session_cookie(info.id),
        max_age=SESSION_SECONDS,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
        path="/",
    )
    return response


@router.post("/logout")
def logout(principal: Principal = requires(Role.VIEWER)) -> Response:
    """End the session on every server, and forget the cookie in this browser."""
    end_session_of(principal)
    response = _see("/login")
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


def _local(target: str) -> str:
    """Only a path on this server: never a redirect elsewhere."""
    return target if target.startswith("/") and not target.startswith("//") else "/"


# --- screens --------------------------------------------------------------------------------


@router.get("/", response_class=HTMLResponse)
def overview(request: Request, principal: Principal = requires(Role.VIEWER)) -> Response:
    return render(
        request,
        "overview.html",
        principal,
        pipelines=pipelines_with_last_execution(),
        pending=pending_versions(per_group=10),
        runs=recent_runs(8),
        executions=list_executions(limit=10),
        alarms=[a for a in list_alarms() if a.state == AlarmState.ALARM],
    )


@router.get("/pipelines/{name}", response_class=HTMLResponse)
def pipeline(
    request: Request,
    name: str,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
    principal: Principal = requires(Role.VIEWER),
) -> Response:
    described = describe_pipeline(name)
    graph = PipelineGraph.from_definition(described["definition"])
    return render(
        request,
        "pipeline.html",
        principal,
        pipeline=described,
        pipeline_managed=pipeline_managed_by(name),
        graph_layout=layout(described["definition"]),
        statuses={},
        parameters=graph.parameters,
        versions=definition_versions(name),
        executions=list_executions(name, limit=25, offset=offset),
        total=count_executions(name),
        offset=offset,
    )


@router.post("/pipelines/{name}/start")
async def start(
    request: Request, name: str, principal: Principal = requires(Role.APPROVER)
) -> Response:
    form = await request.form()
    values = {
        key[len("p_") :]: str(value).strip()
        for key, value in form.items()
        if key.startswith("p_") and str(value).strip()
    }
    from starlette.concurrency import run_in_threadpool

    def run() -> str:
        return start_pipeline(name, values, user=principal.user).id

    return _see(f"/executions/{_quote(await run_in_threadpool(run))}")


@router.get("/executions/{execution_id}", response_class=HTMLResponse)
def execution(
    request: Request, execution_id: str, principal: Principal = requires(Role.VIEWER)
) -> Response:
    record = execution_record(execution_id)
    definition = describe_pipeline(record.pipeline, record.pipeline_version)
    from batchops.registry import execution_lineage

    return render(
        request,
        "execution.html",
        principal,
        execution=record,
        graph_layout=layout(definition["definition"]),
        statuses={s.name: s.status for s in record.steps},
        files={s.name: step_files(s) for s in record.steps},
        logs=execution_logs(execution_id),
        summary=summarize_execution(record),
        started_by=started_by(record),
        not_run=steps_not_run(record),
        lineage=execution_lineage(execution_id),
    )


@router.post("/executions/{execution_id}/retry")
def retry(execution_id: str, principal: Principal = requires(Role.APPROVER)) -> Response:
    retry_execution(execution_id, user=principal.user)
    return _see(f"/executions/{_quote(execution_id)}")


@router.post("/executions/{execution_id}/stop")
def stop(execution_id: str, principal: Principal = requires(Role.APPROVER)) -> Response:
    stop_execution(execution_id, principal.user)
    return _see(f"/executions/{_quote(execution_id)}")


@router.get("/executions/{execution_id}/steps/{step}/statistics", response_class=HTMLResponse)
def step_statistics(
    request: Request, execution_id: str, step: str, principal: Principal = requires(Role.VIEWER)
) -> Response:
    from batchops.monitor.file_views import statistics_rows

    record = execution_record(execution_id)
    files = step_files(record.step(step))
    if "statistics.json" not in files:
        raise NotFound(f"step {step!r} of execution {execution_id} recorded no statistics.json")
    return render(
        request,
        "statistics.html",
        principal,
        title=f"{step} of execution {execution_id}",
        back=f"/executions/{_quote(execution_id)}",
        rows=statistics_rows(files["statistics.json"], column_labels(record, step)),
    )


@router.get("/registry", response_class=HTMLResponse)
def registry(request: Request, principal: Principal = requires(Role.VIEWER)) -> Response:
    return render(request, "registry.html", principal, groups=models.list_groups())


@router.get("/registry/{group}", response_class=HTMLResponse)
def group(
    request: Request,
    group: str,
    compare: Annotated[list[int] | None, Query(max_length=2)] = None,
    principal: Principal = requires(Role.VIEWER),
) -> Response:
    versions = models.list_versions(group, limit=VERSIONS_SHOWN)
    chosen = versions_numbered(group, compare) if compare else []
    metric_names = sorted({k for v in (chosen or versions[:6]) for k in _flat(v.metrics)})
    return render(
        request,
        "group.html",
        principal,
        group=models.get_group(group),
        versions=versions,
        compared=chosen or versions[:6],
        metric_names=metric_names,
        flat=_flat,
    )


@router.get("/registry/{group}/{version}", response_class=HTMLResponse)
def version(
    request: Request, group: str, version: int, principal: Principal = requires(Role.VIEWER)
) -> Response:
    from batchops.monitor.file_views import statistics_rows

    found = models.get_version(group, version)
    as_json = found.to_json()
    return render(
        request,
        "version.html",
        principal,
        version=found,
        record=as_json,
        files=version_files(found),
        rows=statistics_rows(
            found.statistics_uri, baseline_column_labels(found.model_data_uri, found.statistics_uri)
        ),
        lineage=models.version_lineage(group, version),
        can_approve=principal.role >= Role.APPROVER,
    )


@router.post("/registry/{group}/{version}/{decision}")
def decide(
    group: str,
    version: int,
    decision: str,
    reason: Annotated[str, Form(max_length=2000)] = "",
    principal: Principal = requires(Role.APPROVER),
) -> Response:
    if decision not in ("approve", "reject"):
        raise NotFound(f"no action {decision!r}; approve or reject")
    act = models.approve if decision == "approve" else models.reject
    act(group, version, reason=reason, user=principal.user)
    return _see(f"/registry/{_quote(group)}/{version}")


@router.get("/monitoring", response_class=HTMLResponse)
def monitoring(request: Request, principal: Principal = requires(Role.VIEWER)) -> Response:
    from batchops.registry.lookup import approved_drift_threshold

    threshold = approved_drift_threshold()
    runs = recent_runs(30)
    labels = column_labels(execution_record(runs[0]["execution_id"])) if runs else {}
    trends = [
        trend(feature_title(f, labels), _dated(s), threshold)
        for f, s in feature_series(BASELINE_DRIFT, 20).items()
        if not labels or f in labels  # the model's features: never the label (`_c0`)
    ]
    trends.sort(key=lambda t: (not t.above, -t.last))  # the drifting features first
    return render(
        request,
        "monitoring.html",
        principal,
        runs=runs,
        trends=trends[:TRENDS_SHOWN],
        more_trends=trends[TRENDS_SHOWN:],
        threshold=threshold,
        quality=[_dated_trend(name, series) for name, series in realised_quality(QUALITY).items()],
    )


@router.get("/automation", response_class=HTMLResponse)
def automation(
    request: Request,
    before: Annotated[int | None, Query(ge=1, le=2**62)] = None,
    principal: Principal = requires(Role.VIEWER),
) -> Response:
    """Schedules, rules and alarms with their state and recent history; the event log, newest
    first, `EVENTS_SHOWN` at a time."""
    schedules = [s.to_json() for s in list_schedules()]
    rules = [r.to_json() for r in list_rules()]
    alarms = [a.to_json() for a in list_alarms()]
    history = {
        "schedule": {s["name"]: schedule_history(s["name"], HISTORY_SHOWN) for s in schedules},
        "rule": {r["name"]: rule_history(r["name"], HISTORY_SHOWN) for r in rules},
        "alarm": {a["name"]: alarm_history(a["name"], HISTORY_SHOWN) for a in alarms},
    }
    failures = {r["name"]: last_failure(r["name"]) for r in rules}
    end = (before - 1) if before is not None else last_position()
    first = max(0, end - EVENTS_SHOWN)
    events = [e.to_json() for e in read_events(first, EVENTS_SHOWN) if e.position <= end]
    events.reverse()
    return render(
        request,
        "automation.html",
        principal,
        schedules=schedules,
        rules=rules,
        alarms=alarms,
        history=history,
        failures=failures,
        events=events,
        older_from=first + 1 if first > 0 else None,
        can_act=principal.role >= Role.APPROVER,
    )


@router.post("/automation/{kind}/{name}/{action}")
def pause_or_resume(
    kind: str, name: str, action: str, principal: Principal = requires(Role.APPROVER)
) -> Response:
    """Pause or resume a schedule, rule or alarm, as `batchops KIND pause|resume NAME` does."""
    if action not in ("pause", "resume"):
        raise NotFound(f"no action {action!r}; pause or resume")
    if kind == "schedules":
        set_paused(name, action == "pause")
    elif kind == "rules":
        set_rule_paused(name, action == "pause", principal.user)
    elif kind == "alarms":
        set_alarm_paused(name, action == "pause", principal.user)
    else:
        raise NotFound(f"nothing to pause called {kind!r}; schedules, rules or alarms")
    return _see("/automation")


def _dated_trend(name: str, series: list[dict[str, Any]]) -> Trend:
    """A trend of figures by prediction date: each dot labelled with its date."""
    return trend(
        name,
        [{"value": p["value"], "execution_id": p["date"], "date": p["date"]} for p in series],
        None,
    )


def _dated(series: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Drift points with the minute each was recorded (`2026-12-07 20:51`) for the axis."""
    return [{**p, "date": str(p.get("recorded_at") or "")[:16].replace("T", " ")} for p in series]


def _flat(metrics: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """`{"binary_classification_metrics": {"accuracy": {"value": 0.9}}}` -> `{"…accuracy": 0.9}`."""
    found: dict[str, Any] = {}
    for key, value in metrics.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict) and set(value) >= {"value"}:
            found[name] = value["value"]
        elif isinstance(value, dict):
            found.update(_flat(value, f"{name}."))
        else:
            found[name] = value
    return found
