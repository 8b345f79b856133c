"""Runs TransformStep and MonitorBatchTransformStep.

With monitoring before the transform (the default) a violation under fail-on-violation stops
the step before any prediction is written; otherwise violations are reported and scoring goes
on. Predictions are assembled in the work folder and published as a whole.
"""

from __future__ import annotations

from typing import Any

from batchops.pipeline.graph import StepNode
from batchops.runtime.context import StepContext, StepOutcome
from batchops.runtime.monitoring_records import record_check
from batchops.runtime.runners.quality_check import _truthy, fail_if_violations
from batchops.store import artifacts


def _monitor(args: dict[str, Any], context: StepContext) -> dict[str, Any]:
    from batchops import monitor
    from batchops.monitor.jobs import REPORT_FILE, STATISTICS_FILE, VIOLATIONS_FILE

    spec = args["Monitor"]
    dataset = str(spec.get("Dataset") or args["TransformInput"]["DataUri"])
    out_dir = context.work_dir / "monitoring"
    check = monitor.check(
        dataset,
        statistics=str(spec["SuppliedBaselineStatistics"]),
        constraints=str(spec["SuppliedBaselineConstraints"]),
        out_dir=out_dir,
        header=spec.get("Header"),
        ignore_columns=list(spec.get("IgnoreColumns") or []),
    )
    published = context.publish(out_dir, "monitoring")
    record_check(published, check, context)
    context.log(
        f"data-quality check of {dataset}: {len(check.violations)} violation(s), {published}"
    )
    fail_if_violations(check.violations, _truthy(spec.get("FailOnViolation", True)), context)
    return {
        "Uri": published,
        "ViolationReport": f"{published}/{VIOLATIONS_FILE}",
        "Statistics": f"{published}/{STATISTICS_FILE}",
        "Report": f"{published}/{REPORT_FILE}",
        "Violations": len(check.violations),
        "ViolationTypes": sorted({_check_type(v) for v in check.violations}),
    }


def _check_type(violation: Any) -> str:
    if isinstance(violation, dict):
        return str(violation.get("constraint_check_type"))
    return str(getattr(violation, "constraint_check_type", ""))


def _score(args: dict[str, Any], context: StepContext) -> tuple[str, dict[str, Any]]:
    from batchops.registry.lookup import model_data_uri
    from batchops.transform import transform

    spec, source = args["Transformer"], args["TransformInput"]
    local_out = context.work_dir / "predictions"
    result = transform(
        model_data_uri(str(spec["ModelData"])),
        str(source["DataUri"]),
        local_out,
        workers=int(spec.get("Workers") or 1),
        content_type=source.get("ContentType") or "text/csv",
        accept=spec.get("Accept"),
        header=source.get("Header"),
        input_filter=source.get("InputFilter") or None,
        output_filter=source.get("OutputFilter") or None,
        join_source=(source.get("JoinSource") or "").lower() == "input",
    )
    target = str(spec.get("OutputPath") or context.output_uri("predictions"))
    published = artifacts.publish_directory(local_out, target)
    context.log(f"scored {result.rows} record(s) into {published}")
    return published, {"S3OutputPath": published, "Rows": result.rows}


def run_transform(node: StepNode, context: StepContext) -> StepOutcome:
    args = context.resolve(node.arguments)
    published, output = _score(args, context)
    return StepOutcome(properties={"TransformOutput": output}, outputs={"predictions": published})


def run_monitorbatchtransform(node: StepNode, context: StepContext) -> StepOutcome:
    args = context.resolve(node.arguments)
    before = _truthy(args["Monitor"].get("MonitorBeforeTransform", True))
    quality = _monitor(args, context) if before else None
    published, output = _score(args, context)
    if not before:
        quality = _monitor(args, context)
    return StepOutcome(
        properties={"TransformOutput": output, "DataQuality": quality},
        outputs={"predictions": published, "monitoring": quality["Uri"] if quality else ""},
    )
