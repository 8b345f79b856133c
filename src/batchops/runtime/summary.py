"""What an execution produced, in the terms a user came for: rows scored and where the
predictions are, data-quality violations with their features, metrics, registered versions.

Built from the steps' recorded properties only (and the small files they point to: a
violation report, an evaluation report), so it works for any pipeline whose steps are of
these types, whether the execution ran here, in the background or on another machine. The
CLI prints it after `pipeline start --wait`; `--json` and the server carry `to_json()`.
"""

from __future__ import annotations

import functools
import json
import os
from dataclasses import asdict, dataclass, field
from typing import Any

from batchops.errors import BatchopsError
from batchops.models.metrics import evaluation_values
from batchops.pipeline.steps.types import StepType
from batchops.store import artifacts
from batchops.store.execution_records import ExecutionRecord, StepRecord
from batchops.store.statuses import ExecutionStatus, StepStatus
from batchops.wording import counted


@dataclass(frozen=True)
class Violation:
    feature: str
    check_type: str
    description: str
    column: str | None = None
    """The model's name for the feature, when the check named it by position (`_c3`)."""


@dataclass(frozen=True)
class QualityCheck:
    step: str
    violations: int
    violation_types: list[str]
    violation_report: str
    report: str | None
    found: list[Violation] = field(default_factory=list)


@dataclass(frozen=True)
class Scoring:
    step: str
    rows: int
    predictions: str
    unknown_categories: dict[str, int] = field(default_factory=dict)
    """Raw input: per categorical column, the rows with a category training never saw."""


@dataclass(frozen=True)
class Baseline:
    step: str
    statistics: str
    constraints: str


@dataclass(frozen=True)
class Registration:
    step: str
    group: str
    version: int
    status: str

    @property
    def ref(self) -> str:
        return f"{self.group}/{self.version}"


@dataclass(frozen=True)
class ExecutionSummary:
    execution_id: str
    pipeline: str
    status: str
    failure_reason: str | None
    scoring: list[Scoring] = field(default_factory=list)
    checks: list[QualityCheck] = field(default_factory=list)
    baselines: list[Baseline] = field(default_factory=list)
    metrics: dict[str, float] = field(default_factory=dict)
    registered: list[Registration] = field(default_factory=list)

    @property
    def violations(self) -> int:
        return sum(check.violations for check in self.checks)

    @property
    def rows_scored(self) -> int | None:
        return sum(s.rows for s in self.scoring) if self.scoring else None

    @property
    def outcome(self) -> str:
        """The status, or `SucceededWithViolations` for a run that scored a batch that failed
        its data-quality check: the state the page colours on its own."""
        if self.violations and self.status == ExecutionStatus.SUCCEEDED:
            return "SucceededWithViolations"
        return str(self.status)

    @property
    def headline(self) -> str:
        """`Succeeded`, or `Succeeded with 3 data-quality violations`: a drifted batch that
        was scored anyway says so where the status is read."""
        if self.violations and self.status == ExecutionStatus.SUCCEEDED:
            return f"{self.status} with {counted(self.violations, 'data-quality violation')}"
        return str(self.status)

    def to_json(self) -> dict[str, Any]:
        return {
            "headline": self.headline,
            "outcome": self.outcome,
            "rows_scored": self.rows_scored,
            "violations": self.violations,
            "scoring": [asdict(s) for s in self.scoring],
            "data_quality": [asdict(c) for c in self.checks],
            "baselines": [asdict(b) for b in self.baselines],
            "metrics": dict(self.metrics),
            "registered": [{**asdict(r), "ref": r.ref} for r in self.registered],
        }


def summarize_execution(execution: ExecutionRecord) -> ExecutionSummary:
    """The summary of an execution's record (`store.executions.execution_record`).

    Only steps that succeeded recorded properties, so only they contribute; a step that
    failed on its violations says so in the execution's failure reason.
    """
    summary = ExecutionSummary(
        execution_id=execution.id,
        pipeline=execution.pipeline,
        status=execution.status,
        failure_reason=execution.failure_reason,
    )
    for step in execution.steps:
        properties = step.properties
        if not properties:
            continue
        kind = step.type
        if kind in (StepType.TRANSFORM, StepType.MONITOR_BATCH_TRANSFORM):
            _add_scoring(summary, step, properties)
        if kind == StepType.MONITOR_BATCH_TRANSFORM and properties.get("DataQuality"):
            quality = properties["DataQuality"]
            labels = _column_labels(step, quality)
            summary.checks.append(_check(step.name, quality, quality.get("Report"), labels))
        if kind == StepType.QUALITY_CHECK:
            _add_quality_check(summary, step.name, properties)
        if kind == StepType.REGISTER_MODEL and "ModelPackageVersion" in properties:
            summary.registered.append(_registration(step.name, properties))
        for uri in (properties.get("PropertyFiles") or {}).values():
            summary.metrics.update(evaluation_values(_read_json(uri) or {}))
    return summary


def started_by(execution: ExecutionRecord) -> str:
    """Who or what started it: `rule R on event 12`, `schedule S (tick …)`, or the user."""
    trigger = execution.trigger or {}
    if trigger.get("rule"):
        return f"rule {trigger['rule']} on event {trigger.get('event')}"
    if trigger.get("schedule"):
        tick = f" (tick {str(trigger['tick'])[:19]})" if trigger.get("tick") else ""
        return f"schedule {trigger['schedule']}{tick}"
    return execution.created_by


@dataclass(frozen=True)
class NotRun:
    """The steps skipped because others failed: one line instead of a card each."""

    steps: list[str]
    failed: list[str]

    @property
    def sentence(self) -> str:
        because = f" because {', '.join(self.failed)} failed" if self.failed else ""
        return f"{counted(len(self.steps), 'step')} not run{because}"


def steps_not_run(execution: ExecutionRecord) -> NotRun | None:
    """The skipped steps of a run in which something failed or stopped; None when none."""
    skipped = [s.name for s in execution.steps if s.status == StepStatus.SKIPPED]
    if not skipped:
        return None
    ended_badly = (StepStatus.FAILED, StepStatus.STOPPED)
    return NotRun(skipped, [s.name for s in execution.steps if s.status in ended_badly])


def column_labels(execution: ExecutionRecord, step: str | None = None) -> dict[str, str]:
    """`_c3` -> the model's feature name, for the positional columns of the execution's data
    checks (of `step` alone when named): a monitored batch transform's batch, whose filter
    says which column feeds which feature, and a baseline of the data the model trained in
    the same execution learned from. Empty when the data had a header."""
    trained = [
        str(uri)
        for s in execution.steps
        if s.type == StepType.TRAINING
        and (uri := (s.properties.get("ModelArtifacts") or {}).get("S3ModelArtifacts"))
    ]
    labels: dict[str, str] = {}
    for record in execution.steps:
        if step is not None and record.name != step:
            continue
        properties = record.properties
        quality = properties.get("DataQuality")
        if record.type == StepType.MONITOR_BATCH_TRANSFORM and quality:
            labels.update(_column_labels(record, quality))
        elif (
            record.type == StepType.QUALITY_CHECK
            and len(trained) == 1  # which model's data it was is certain only then
            and "ViolationReport" not in properties
        ):
            statistics = properties.get("CalculatedBaselineStatistics")
            labels.update(baseline_column_labels(trained[0], str(statistics or "")))
    return labels


def baseline_column_labels(model_uri: str | None, statistics_uri: str | None) -> dict[str, str]:
    """`_c3` -> the model's feature name for a headerless baseline of the model's training
    data: the model's features in order, after the label when the baseline has one more column
    (the walkthrough's `_c0`), from `_c0` when it has as many. Empty when neither fits."""
    if not model_uri or not statistics_uri:
        return {}
    try:
        stamps = (_stamp(model_uri), _stamp(statistics_uri))
    except OSError:
        return {}
    labels = _baseline_labels_of if None not in stamps else _baseline_labels_of.__wrapped__
    return dict(labels(model_uri, statistics_uri, stamps))


@functools.lru_cache(maxsize=64)
def _baseline_labels_of(
    model_uri: str, statistics_uri: str, _stamps: tuple[tuple[int, int] | None, ...]
) -> tuple[tuple[str, str], ...]:
    from batchops.models.artifact import read_model_files

    try:
        statistics = _parse(statistics_uri)
        manifest = read_model_files(model_uri).manifest
    except (OSError, ValueError, BatchopsError):
        return ()
    names = [str(f.get("name", "")) for f in (statistics or {}).get("features", [])]
    if (
        manifest is None
        or manifest.has_generic_names
        or names != [f"_c{i}" for i in range(len(names))]
    ):
        return ()
    offset = len(names) - manifest.n_features
    if offset not in (0, 1):
        return ()
    return tuple((f"_c{i + offset}", name) for i, name in enumerate(manifest.feature_names))


def _registration(step: str, properties: dict[str, Any]) -> Registration:
    """The version the step registered, with its status now (it may be approved since)."""
    from batchops import registry

    group, number = str(properties["ModelPackageGroupName"]), int(properties["ModelPackageVersion"])
    try:
        status = str(registry.get_version(group, number).status)
    except BatchopsError:  # deleted since
        status = str(properties.get("ModelApprovalStatus", ""))
    return Registration(step, group, number, status)


def _add_scoring(summary: ExecutionSummary, step: StepRecord, properties: Any) -> None:
    output = properties.get("TransformOutput") or {}
    if "S3OutputPath" in output:
        summary.scoring.append(
            Scoring(
                step.name,
                int(output.get("Rows") or 0),
                str(output["S3OutputPath"]),
                {str(k): int(v) for k, v in (output.get("UnknownCategories") or {}).items()},
            )
        )


def _add_quality_check(summary: ExecutionSummary, name: str, properties: Any) -> None:
    if "ViolationReport" in properties:
        from batchops.monitor.jobs import REPORT_FILE

        report = artifacts.join(str(properties["ViolationReport"]).rsplit("/", 1)[0], REPORT_FILE)
        summary.checks.append(
            _check(name, properties, report if artifacts.exists(report) else None, {})
        )
    else:
        summary.baselines.append(
            Baseline(
                name,
                str(properties.get("CalculatedBaselineStatistics")),
                str(properties.get("CalculatedBaselineConstraints")),
            )
        )


def _check(
    step: str, properties: dict[str, Any], report: str | None, labels: dict[str, str]
) -> QualityCheck:
    uri = str(properties["ViolationReport"])
    found = [
        Violation(
            feature=str(v.get("feature_name", "")),
            check_type=str(v.get("constraint_check_type", "")),
            description=str(v.get("description", "")),
            column=labels.get(str(v.get("feature_name", ""))),
        )
        for v in (_read_json(uri) or {}).get("violations", [])
    ]
    types = properties.get("ViolationTypes") or sorted({v.check_type for v in found})
    return QualityCheck(
        step=step,
        violations=int(properties.get("Violations", len(found))),
        violation_types=list(types),
        violation_report=uri,
        report=str(report) if report else None,
        found=found,
    )


def _column_labels(step: StepRecord, quality: dict[str, Any]) -> dict[str, str]:
    """`_c3` -> the model's name for that column, for a monitored batch transform's check."""
    inputs = step.inputs
    return monitored_column_labels(
        (inputs.get("Transformer") or {}).get("ModelData"),
        str(quality.get("Statistics", "")),
        (inputs.get("TransformInput") or {}).get("InputFilter"),
        len((inputs.get("Monitor") or {}).get("IgnoreColumns") or []),
    )


def monitored_column_labels(
    model_uri: str | None, statistics_uri: str, input_filter: str | None, ignored: int
) -> dict[str, str]:
    """`_c3` -> the model's name for that column, for a headerless batch scored through an
    index filter: the filter says which columns the model reads, the model their names. The
    step's check passes them to its HTML report, the page to its tables and trends."""
    if not model_uri:
        return {}
    try:
        stamps = (_stamp(str(model_uri)), _stamp(statistics_uri))
    except OSError:
        return {}
    # Kept only for local files, whose version the stamps tell; a remote read that failed
    # for a moment must not leave a server without labels until it restarts.
    labels = _labels_of if None not in stamps else _labels_of.__wrapped__
    return dict(labels(str(model_uri), statistics_uri, input_filter, ignored, stamps))


KEPT_BYTES = 256 * 1024
"""Files up to this size stay parsed in memory (64 of them at most)."""


@functools.lru_cache(maxsize=256)
def _labels_of(
    model_uri: str,
    statistics_uri: str,
    input_filter: str | None,
    ignored: int,
    _stamps: tuple[tuple[int, int] | None, ...],
) -> tuple[tuple[str, str], ...]:
    """The labels, kept per file version: reading the model archive and the statistics (a
    megabyte with its sketches) for every run a monitoring page lists cost ~5 ms a run."""
    from batchops.models.artifact import read_model_files
    from batchops.transform.jsonpath import parse
    from batchops.transform.plan import csv_positions

    try:
        statistics = _parse(statistics_uri)  # not kept: it is large, and only its width counts
    except (OSError, ValueError, BatchopsError):
        return ()
    if not statistics:
        return ()
    width = len(statistics.get("features", [])) + ignored
    try:
        manifest = read_model_files(model_uri).manifest
        path = parse(input_filter)
        positions = csv_positions(path, width) if path.index_only else []
    except (BatchopsError, OSError, ValueError):
        return ()
    if manifest is None or manifest.has_generic_names or len(positions) != manifest.n_features:
        return ()
    return tuple(
        (f"_c{p}", name) for p, name in zip(positions, manifest.feature_names, strict=True)
    )


def _read_json(uri: str) -> Any:
    """A small JSON file a step wrote; None when it is gone (an artifact store cleaned up).

    Small local files are kept parsed per version (modification time and size): a page
    listing runs reads the same violation reports again and again. Callers must not modify
    what it returns."""
    if not uri:
        return None
    try:
        stamp = _stamp(uri)
        if stamp is None or stamp[1] > KEPT_BYTES:
            return _parse(uri)
        return _parsed(uri, stamp)
    except (OSError, ValueError, BatchopsError):
        return None


def _stamp(uri: str) -> tuple[int, int] | None:
    """A local file's version (modification time, size); None for a remote URI."""
    if not artifacts.is_local(uri):
        return None
    found = os.stat(uri[len("file://") :] if uri.startswith("file://") else uri)
    return found.st_mtime_ns, found.st_size


@functools.lru_cache(maxsize=64)
def _parsed(uri: str, _stamp: tuple[int, int]) -> Any:
    return _parse(uri)


def _parse(uri: str) -> Any:
    return json.loads(artifacts.read_text(uri))
