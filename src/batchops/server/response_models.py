"""What the API answers, as OpenAPI describes it: one model per JSON object a route returns.

The objects themselves are made by the library's `to_json()` methods (the same ones the
CLI's `--json` prints); these models only describe them, for `/openapi.json` and its clients.
Routes hand the objects to `json_response`, so a model never filters or reshapes an answer,
and every model accepts fields it does not name: a field added to a `to_json()` is an
addition, never a break. A test checks every model against the objects the routes return.
"""

from __future__ import annotations

from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field

Item = TypeVar("Item")


class Described(BaseModel):
    """A JSON object of the API: extra fields are allowed, and kept."""

    model_config = ConfigDict(extra="allow")


class Page(Described, Generic[Item]):
    """One page of a list: `next` is the link to the following page (None on the last)."""

    items: list[Item]
    total: int
    limit: int
    offset: int
    next: str | None


class Deleted(Described):
    deleted: str


class Managed(Described):
    """The project file that manages an object (`batchops apply`) and the revision that
    applied it; null on an object made by hand."""

    project: str
    revision: str | None


FILE: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The file's bytes, typed by its name (JSON, HTML, CSV or text).",
        "content": {"*/*": {"schema": {"type": "string", "format": "binary"}}},
    }
}
"""The response of a route that answers with one recorded file."""

TEXT: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "Prometheus' text exposition format.",
        "content": {"text/plain": {"schema": {"type": "string"}}},
    }
}


# --- health ---------------------------------------------------------------------------------


class Health(Described):
    status: str
    version: str


# --- pipelines ------------------------------------------------------------------------------


class LastExecution(Described):
    id: str
    status: str
    started_at: str | None


class PipelineItem(Described):
    name: str
    description: str
    latest_version: int
    created_at: str
    updated_at: str
    last_execution: LastExecution | None
    managed: Managed | None = None


class PipelineDefinition(Described):
    """A stored definition version; `definition` is the pipeline's JSON definition."""

    name: str
    version: int
    definition: dict[str, Any]


class StoredPipeline(Described):
    name: str
    version: int


class DefinitionVersion(Described):
    version: int
    digest: str
    created_at: str | None


class GraphNode(Described):
    name: str
    type: str
    x: int
    y: int
    branch: str | None


class GraphEdge(Described):
    source: str
    target: str
    path: str
    label: str | None
    label_x: int
    label_y: int


class Graph(Described):
    nodes: list[GraphNode]
    edges: list[GraphEdge]
    width: int
    height: int


# --- executions -----------------------------------------------------------------------------


class Step(Described):
    """One step's record: its resolved inputs, published outputs and recorded properties."""

    name: str
    type: str
    status: str
    started_at: str | None
    ended_at: str | None
    attempt: int
    inputs: dict[str, Any]
    outputs: dict[str, Any]
    properties: dict[str, Any]
    failure_reason: str | None
    cached_from: str | None
    log_uri: str | None


class Runner(Described):
    pid: int
    host: str | None
    heartbeat_at: str | None


class Execution(Described):
    """An execution as `batchops execution describe --json` prints it."""

    id: str
    pipeline: str
    pipeline_version: int
    status: str
    parameters: dict[str, Any]
    started_at: str | None
    ended_at: str | None
    failure_reason: str | None
    attempt: int
    created_by: str
    trigger: dict[str, Any] | None
    runner: Runner | None
    stop_requested_at: str | None
    stop_requested_by: str | None
    steps: list[Step]


class ExecutionItem(Described):
    """An execution in a list: no steps, its duration so far."""

    id: str
    pipeline: str
    pipeline_version: int
    status: str
    parameters: dict[str, Any]
    started_at: str | None
    ended_at: str | None
    duration_seconds: float
    failure_reason: str | None


class StepTiming(Described):
    status: str
    started_at: str | None
    ended_at: str | None


class LiveStatus(Described):
    id: str
    status: str
    steps: dict[str, StepTiming]


class Violation(Described):
    feature: str
    check_type: str
    description: str
    column: str | None


class QualityCheck(Described):
    step: str
    violations: int
    violation_types: list[str]
    violation_report: str
    report: str | None
    found: list[Violation]


class Scoring(Described):
    step: str
    rows: int
    predictions: str
    unknown_categories: dict[str, int]


class Baseline(Described):
    step: str
    statistics: str
    constraints: str


class Registration(Described):
    step: str
    group: str
    version: int
    status: str
    ref: str


class Summary(Described):
    """What an execution produced: rows scored, violations, baselines, metrics, versions."""

    headline: str
    outcome: str = Field(description="The status, or SucceededWithViolations.")
    rows_scored: int | None
    violations: int
    scoring: list[Scoring]
    data_quality: list[QualityCheck]
    baselines: list[Baseline]
    metrics: dict[str, float]
    registered: list[Registration]


class LineageInput(Described):
    step: str
    uri: str


class LineageOutput(Described):
    step: str
    name: str
    uri: str
    state: str


class ExecutionOrigin(Described):
    """The execution a version came from; `known` is false for one of another registry."""

    id: str
    known: bool
    pipeline: str | None = None
    pipeline_version: int | None = None
    status: str | None = None
    parameters: dict[str, Any] | None = None
    started_at: str | None = None
    input_data: list[LineageInput] | None = None
    outputs: list[LineageOutput] | None = None


class VersionUse(Described):
    group: str
    version: int
    step: str | None


class VersionRegistered(VersionUse):
    status: str


class ExecutionLineage(Described):
    execution: ExecutionOrigin
    registered: list[VersionRegistered]
    used: list[VersionUse]


class ExecutionDeleted(Deleted):
    files_removed: int
    bytes: int


class StatisticsRow(Described):
    """One feature of a statistics.json: type, completeness and the figures of its kind;
    `title` names it as people read it (`Day Mins (_c8)` when the model names the column)."""

    name: str
    title: str
    type: str
    completeness: float | None
    mean: float | None
    std: float | None
    min: float | None
    max: float | None
    distinct: float | None


# --- the registry ---------------------------------------------------------------------------


class ModelGroup(Described):
    name: str
    description: str
    created_by: str
    created_at: str | None
    version_count: int
    status_counts: dict[str, int]


class ApprovalChange(Described):
    from_status: str | None = Field(alias="from")
    to: str
    user: str
    reason: str
    at: str | None


class BaselineFiles(Described):
    statistics_uri: str | None
    constraints_uri: str | None


class ModelVersion(Described):
    """A model version as `batchops registry describe --json` prints it."""

    group: str
    version: int
    status: str
    description: str
    model_data_uri: str
    inference_spec: dict[str, Any]
    metrics: dict[str, Any]
    metrics_uri: str | None
    baseline: BaselineFiles
    baseline_raw: BaselineFiles | None = None
    custom_metadata: dict[str, Any]
    execution_id: str | None
    step_name: str | None
    created_by: str
    created_at: str | None
    approval_history: list[ApprovalChange]
    files: dict[str, Any]


class VersionUsedBy(Described):
    execution_id: str
    step: str | None
    at: str


class VersionLineage(Described):
    version: ModelVersion
    produced_by: ExecutionOrigin | None
    used_by: list[VersionUsedBy]


# --- monitoring -----------------------------------------------------------------------------


class MonitoringRun(Described):
    execution_id: str
    pipeline: str
    step: str
    ended_at: str | None
    violations: int
    violation_types: list[str]
    features: list[str]
    has_report: bool
    model_version: str | None


class SeriesPoint(Described):
    execution_id: str | None
    value: float
    recorded_at: str


class MetricValue(SeriesPoint):
    run_uri: str | None
    series_key: str | None


# --- automation -----------------------------------------------------------------------------


class HistoryEntry(Described):
    """When and what: `outcome` (started, skipped, failed, ...) and the details of each."""

    at: str
    outcome: str


class SchedulerLogEntry(Described):
    """One thing a scheduler did; `host` is the process that wrote it, the rest its fields."""

    at: str
    kind: str
    message: str
    host: str


class Schedule(Described):
    name: str
    pipeline: str
    cron: str
    timezone: str
    parameters: dict[str, str]
    catch_up: str
    state: str
    next_tick_at: str | None
    last_tick_at: str | None
    last_execution_id: str | None
    created_at: str | None
    created_by: str
    managed: Managed | None = None


class ScheduleDescribed(Schedule):
    history: list[HistoryEntry]


class RuleAction(Described):
    """`type` start (with `pipeline`, `parameters`), webhook (`url`, `secret_env`) or log."""

    type: str
    pipeline: str | None = None
    parameters: dict[str, str] | None = None
    url: str | None = None
    secret_env: str | None = None


class Rule(Described):
    name: str
    on: str
    filters: dict[str, str]
    action: RuleAction
    state: str = Field(description="ENABLED, or PAUSED: acting on no event.")
    after_position: int
    created_at: str | None
    created_by: str
    managed: Managed | None = None


class RuleFailure(Described):
    """The newest thing that went wrong: the action failing, or an execution it started."""

    at: str | None
    reason: str
    execution_id: str | None = None


class RuleDescribed(Rule):
    last_failure: RuleFailure | None
    history: list[HistoryEntry]


class Alarm(Described):
    name: str
    metric: str
    pipeline: str | None
    condition: str
    comparison: str
    threshold: float
    datapoints: int
    of: int
    webhook: str | None
    secret_env: str | None
    state: str
    paused: bool = Field(description="A paused alarm is not evaluated and does not notify.")
    state_reason: str | None
    state_changed_at: str | None
    created_at: str | None
    created_by: str
    managed: Managed | None = None


class AlarmDescribed(Alarm):
    history: list[HistoryEntry]


class Event(Described):
    position: int
    type: str
    group: str | None
    version: int | None
    old_status: str | None
    new_status: str | None
    user: str
    at: str
    detail: dict[str, Any]


class EventPage(Described):
    """Events oldest first after the position `after`; `next` reads on from the last one."""

    items: list[Event]
    after: int
    limit: int
    next: str | None


# --- projects -------------------------------------------------------------------------------


class ProjectChange(Described):
    """`action` create, update, delete or unchanged; `before`/`after` its arguments, secrets
    masked; `line` in the project file."""

    kind: str
    name: str
    action: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    line: int


class ProjectProblem(Described):
    line: int
    message: str


class ProjectPlan(Described):
    project: str
    changes: list[ProjectChange]
    unmanaged: list[dict[str, str]]
    problems: list[ProjectProblem]


class ProjectApplied(Described):
    plan: ProjectPlan
    applied: list[ProjectChange]
    failed: ProjectChange | None
    error: str | None
    not_applied: list[ProjectChange]
