"""Runs a QualityCheckStep: baseline its dataset, or check it against a supplied baseline."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from batchops.errors import InvalidInput
from batchops.pipeline.graph import StepNode
from batchops.pipeline.steps.quality_check import QualityCheckArguments
from batchops.runtime.context import StepContext, StepOutcome, Workspace, flag

if TYPE_CHECKING:
    from batchops.monitor.jobs import CheckResult
    from batchops.monitor.model_quality import ModelQualityResult
    from batchops.store.prediction_files import GroundTruthSet


def run_quality_check(node: StepNode, context: StepContext) -> StepOutcome:
    from batchops import monitor
    from batchops.monitor.jobs import CONSTRAINTS_FILE, STATISTICS_FILE, VIOLATIONS_FILE

    args = QualityCheckArguments.from_json(context.arguments(node))
    if args.model_quality is not None:
        return _run_model_quality(node, args, context)
    dataset = str(args.baseline_dataset)
    header = args.dataset_format.csv_header
    ignore = list(args.ignore_columns)
    out_dir = context.work_dir / "result"
    if flag(args.skip_check):
        monitor.baseline(
            dataset, out_dir, header=header, ignore_columns=ignore, dask=args.dask or context.dask
        )
        published, _shared = context.publish_to(out_dir, "baseline", args.output_uri)
        statistics = f"{published}/{STATISTICS_FILE}"
        constraints = f"{published}/{CONSTRAINTS_FILE}"
        context.log(f"baseline of {dataset}: {statistics}, {constraints}")
        return StepOutcome(
            properties=_baseline_properties(args, statistics, constraints),
            outputs={"baseline": published},
        )
    supplied_statistics, supplied_constraints = _baseline_to_check_against(args, node.name)
    check = monitor.check(
        dataset,
        statistics=str(supplied_statistics),
        constraints=str(supplied_constraints),
        out_dir=out_dir,
        header=header,
        ignore_columns=ignore,
        dask=args.dask or context.dask,
    )
    published, _shared = context.publish_to(out_dir, "check", args.output_uri)
    group = str(args.model_package_group_name) if args.model_package_group_name else None
    record_check(published, check, context, dataset, (group, None))
    properties = _baseline_properties(
        replace(
            args,
            supplied_baseline_statistics=supplied_statistics,
            supplied_baseline_constraints=supplied_constraints,
        ),
        f"{published}/{STATISTICS_FILE}",
        str(supplied_constraints),
    )
    properties["ViolationReport"] = f"{published}/{VIOLATIONS_FILE}"
    properties["Violations"] = len(check.violations)
    fail_if_violations(check, flag(args.fail_on_violation), context, properties["ViolationReport"])
    return StepOutcome(properties=properties, outputs={"check": published})


def _run_model_quality(
    node: StepNode, args: QualityCheckArguments, context: StepContext
) -> StepOutcome:
    """The model-quality job: baseline (suggested constraints) or check against the supplied
    constraints, in Model Monitor's files; its figures recorded as metric datapoints."""
    from batchops.models.problem_types import problem_type
    from batchops.monitor.model_quality import (
        CONSTRAINTS,
        STATISTICS,
        VIOLATIONS,
    )
    from batchops.store.metric_names import model_quality_metric
    from batchops.store.metrics import record_metrics
    from batchops.store.prediction_files import ground_truth_sets

    config = args.model_quality
    assert config is not None
    try:
        problem = problem_type(config.problem_type)
    except InvalidInput as error:
        raise InvalidInput(f"step {node.name}: {error}") from None
    dataset = str(args.baseline_dataset)
    threshold = float(config.probability_threshold_attribute or 0.5)
    check = not flag(args.skip_check)
    if check and not args.supplied_baseline_constraints:
        raise InvalidInput(
            f"step {node.name}: skip_check=False needs supplied_baseline_constraints"
        )
    constraints_uri = str(args.supplied_baseline_constraints) if check else None
    result: ModelQualityResult
    if config.ground_truth_attribute:
        result, published = context.on_worker(
            measure_labelled,
            LabelledJob(
                dataset,
                problem.name,
                str(config.ground_truth_attribute),
                _text(config.inference_attribute),
                _text(config.probability_attribute),
                args.dataset_format.csv_header,
                threshold,
                constraints_uri,
                "check" if check else "baseline",
            ),
        )
    else:  # a traced transform's output, joined with the labels uploaded so far: their
        # files named here, from the database, which workers do not reach
        result, published = context.on_worker(
            measure_traced,
            TracedJob(
                dataset,
                problem.name,
                tuple(ground_truth_sets()),
                threshold,
                constraints_uri,
                "check" if check else "baseline",
            ),
        )
    record_metrics(
        published,
        {**result.metrics, model_quality_metric("violation_count"): float(len(result.violations))},
        execution_id=context.execution_id,
        step_name=context.step_name,
    )
    statistics = f"{published}/{STATISTICS}"
    properties = _baseline_properties(args, statistics, f"{published}/{CONSTRAINTS}")
    properties["ModelQuality"] = {
        "Labelled": result.summary["labelled"],
        "Predictions": result.summary["predictions"],
        "LabelCoverage": result.summary["label_coverage"],
        **{name.title(): value for name, value in result.summary.get("realised", {}).items()},
    }
    if check:
        violations_uri = f"{published}/{VIOLATIONS}"
        properties["ViolationReport"] = violations_uri
        properties["Violations"] = len(result.violations)
        for violation in result.violations:
            context.log(f"violation: {violation['description']}")
        if flag(args.fail_on_violation):
            result.raise_for_violations(violations_uri)
    context.log(f"model quality of {dataset}: {statistics}")
    return StepOutcome(properties=properties, outputs={"check" if check else "baseline": published})


@dataclass(frozen=True)
class LabelledJob:
    """A model-quality job over a dataset holding its own labels (sent to a worker whole)."""

    dataset: str
    problem: str
    ground_truth_attribute: str
    inference_attribute: str | None
    probability_attribute: str | None
    header: bool | None
    threshold: float
    constraints_uri: str | None
    output_name: str


def measure_labelled(workspace: Workspace, job: LabelledJob) -> tuple[ModelQualityResult, str]:
    """Measure the labelled predictions (against the constraints, if any) and publish the
    files: the result and where they are."""
    from batchops.models.problem_types import problem_type
    from batchops.monitor.model_quality import measure_dataset

    out_dir = workspace.work_dir / "result"
    result = measure_dataset(
        job.dataset,
        problem_type(job.problem),
        ground_truth_attribute=job.ground_truth_attribute,
        inference_attribute=job.inference_attribute,
        probability_attribute=job.probability_attribute,
        out_dir=out_dir,
        constraints_uri=job.constraints_uri,
        threshold=job.threshold,
        header=job.header,
    )
    return result, workspace.publish(out_dir, job.output_name)


@dataclass(frozen=True)
class TracedJob:
    """A model-quality job over a traced transform's output folder and the label uploads."""

    predictions_dir: str
    problem: str
    label_uploads: tuple[GroundTruthSet, ...]
    threshold: float
    constraints_uri: str | None
    output_name: str


def measure_traced(workspace: Workspace, job: TracedJob) -> tuple[ModelQualityResult, str]:
    """Join the traced predictions with their labels, measure them and publish the files."""
    from batchops.registry.quality_measurement import measure_execution

    out_dir = workspace.work_dir / "result"
    (result,) = measure_execution(
        predictions_dir=job.predictions_dir,
        out_dir=out_dir,
        threshold=job.threshold,
        constraints_uri=job.constraints_uri,
        problem=job.problem,
        label_uploads=job.label_uploads,
    ).values()
    return result, workspace.publish(out_dir, job.output_name)


def _baseline_to_check_against(args: QualityCheckArguments, step: str) -> tuple[str, str]:
    """The supplied baseline, else (as SageMaker does) the drift-check baseline of the
    group's latest Approved version, its files checked against their digests."""
    statistics, constraints = args.supplied_baseline_statistics, args.supplied_baseline_constraints
    if statistics and constraints:
        return str(statistics), str(constraints)
    if args.model_package_group_name:
        from batchops.registry import approved_version

        version = approved_version(str(args.model_package_group_name))
        if version.statistics_uri and version.constraints_uri:
            return version.statistics_uri, version.constraints_uri
    raise InvalidInput(
        f"step {step}: skip_check=False needs supplied_baseline_statistics and "
        "supplied_baseline_constraints, or a model_package_group_name whose latest Approved "
        "version has a baseline"
    )


def _text(value: Any) -> str | None:
    return str(value) if value not in (None, "") else None


def _baseline_properties(
    args: QualityCheckArguments, statistics: str, constraints: str
) -> dict[str, Any]:
    """SageMaker's property names: what was computed, and what to check the model against."""
    use_new = flag(args.register_new_baseline) or not args.supplied_baseline_statistics
    return {
        "CalculatedBaselineStatistics": statistics,
        "CalculatedBaselineConstraints": constraints,
        "BaselineUsedForDriftCheckStatistics": statistics
        if use_new
        else str(args.supplied_baseline_statistics),
        "BaselineUsedForDriftCheckConstraints": constraints
        if use_new
        else str(args.supplied_baseline_constraints),
    }


def fail_if_violations(
    check: CheckResult, fail: bool, context: StepContext, violations_uri: str
) -> None:
    """Log each violation in the step's log; whether they fail the step is the monitor's
    decision (`CheckResult.raise_for_violations`), as for the CLI."""
    for violation in check.violations:
        context.log(
            f"violation: {violation.feature_name}: {violation.constraint_check_type}: "
            f"{violation.description}"
        )
    if fail:
        check.raise_for_violations(violations_uri)


def record_check(
    run_uri: str,
    check: CheckResult,
    context: StepContext,
    dataset: str,
    model: tuple[str | None, int | None] = (None, None),
) -> None:
    """Store the run's figures under the names metrics.json gives them, with the violation
    count; violations are announced as a DataQualityViolations event for rules to act on.
    `model` is the (group, version) the data was checked for, when known. Both are made once
    per step and check: a retry of a step killed after recording them records nothing more."""
    from batchops.monitor.jobs import VIOLATIONS_FILE
    from batchops.store.db import session_scope
    from batchops.store.events import EventType, append_event
    from batchops.store.executions import get_execution_row
    from batchops.store.metric_names import VIOLATION_COUNT
    from batchops.store.metrics import add_metrics
    from batchops.store.step_effects import first_time

    figures = {**check.metric_values, VIOLATION_COUNT: float(len(check.violations))}
    row = get_execution_row(context.execution_id) if check.violations else None
    with session_scope() as session:
        if not first_time(session, context.execution_id, context.step_name, f"check {run_uri}"):
            return
        add_metrics(
            session,
            run_uri,
            figures,
            execution_id=context.execution_id,
            step_name=context.step_name,
        )
        if row is None:
            return
        group, version = model
        append_event(
            session,
            EventType.DATA_QUALITY_VIOLATIONS,
            group,
            version=version,
            user=row.created_by,
            detail={
                "pipeline": context.pipeline,
                "execution_id": context.execution_id,
                "step": context.step_name,
                "group": group,
                "version": version,
                "input_data": dataset,
                "features": sorted({v.feature_name for v in check.violations}),
                "checks": check.violations_by_type(),
                "violation_report": f"{run_uri}/{VIOLATIONS_FILE}",
                "chain": list((row.trigger or {}).get("chain", [])),
            },
        )
