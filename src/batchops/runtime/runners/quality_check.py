"""Runs a QualityCheckStep: baseline its dataset, or check it against a supplied baseline."""

from __future__ import annotations

from typing import Any

from batchops.errors import InvalidInput
from batchops.pipeline.graph import StepNode
from batchops.pipeline.steps.quality_check import QualityCheckArguments
from batchops.runtime.context import StepContext, StepFailed, StepOutcome
from batchops.runtime.monitoring_records import record_check


def run_quality_check(node: StepNode, context: StepContext) -> StepOutcome:
    from batchops import monitor
    from batchops.monitor.jobs import CONSTRAINTS_FILE, STATISTICS_FILE, VIOLATIONS_FILE

    args = QualityCheckArguments.from_json(context.resolve(node.arguments))
    dataset = str(args.baseline_dataset)
    header = args.dataset_format.csv_header
    ignore = list(args.ignore_columns)
    out_dir = context.work_dir / "result"
    if _truthy(args.skip_check):
        monitor.baseline(dataset, out_dir, header=header, ignore_columns=ignore)
        published = context.publish(out_dir, "baseline")
        statistics = f"{published}/{STATISTICS_FILE}"
        constraints = f"{published}/{CONSTRAINTS_FILE}"
        context.log(f"baseline of {dataset}: {statistics}, {constraints}")
        return StepOutcome(
            properties=_baseline_properties(args, statistics, constraints),
            outputs={"baseline": published},
        )
    supplied_statistics = args.supplied_baseline_statistics
    supplied_constraints = args.supplied_baseline_constraints
    if not supplied_statistics or not supplied_constraints:
        raise InvalidInput(
            f"step {node.name}: skip_check=False needs supplied_baseline_statistics and "
            "supplied_baseline_constraints"
        )
    check = monitor.check(
        dataset,
        statistics=str(supplied_statistics),
        constraints=str(supplied_constraints),
        out_dir=out_dir,
        header=header,
        ignore_columns=ignore,
    )
    published = context.publish(out_dir, "check")
    record_check(published, check, context)
    properties = _baseline_properties(
        args, f"{published}/{STATISTICS_FILE}", str(supplied_constraints)
    )
    properties["ViolationReport"] = f"{published}/{VIOLATIONS_FILE}"
    properties["Violations"] = len(check.violations)
    fail_if_violations(check.violations, _truthy(args.fail_on_violation), context)
    return StepOutcome(properties=properties, outputs={"check": published})


def _baseline_properties(
    args: QualityCheckArguments, statistics: str, constraints: str
) -> dict[str, Any]:
    """SageMaker's property names: what was computed, and what to check the model against."""
    use_new = _truthy(args.register_new_baseline) or not args.supplied_baseline_statistics
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


def describe_violation(violation: Any) -> str:
    get = violation.get if isinstance(violation, dict) else lambda k: getattr(violation, k, "")
    return f"{get('feature_name')}: {get('constraint_check_type')}: {get('description')}"


def fail_if_violations(violations: list[Any], fail: bool, context: StepContext) -> None:
    for violation in violations:
        context.log("violation: " + describe_violation(violation))
    if violations and fail:
        shown = "; ".join(describe_violation(v) for v in violations[:5])
        more = f" (and {len(violations) - 5} more)" if len(violations) > 5 else ""
        raise StepFailed(f"{len(violations)} data-quality violation(s): {shown}{more}")


def _truthy(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("true", "1", "yes")
    return bool(value)
