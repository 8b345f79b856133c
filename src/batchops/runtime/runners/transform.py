"""Runs TransformStep and MonitorBatchTransformStep.

With monitoring before the transform (the default) a violation under fail-on-violation stops
the step before any prediction is written; otherwise violations are reported and scoring goes
on. Predictions are assembled in the work folder and published as a whole.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from batchops.errors import InvalidInput
from batchops.pipeline.graph import StepNode
from batchops.pipeline.steps.transform import (
    BatchMonitor,
    MonitorBatchTransformArguments,
    TransformArguments,
    Transformer,
    TransformInput,
)
from batchops.runtime.context import StepContext, StepOutcome, flag
from batchops.runtime.runners.quality_check import fail_if_violations, record_check


@dataclass(frozen=True)
class _Baseline:
    """The baseline a batch is checked against, and how its file is read."""

    statistics: str
    constraints: str
    header: bool | None
    ignore_columns: list[str]
    layout: str = "prepared"


def _baseline_for(
    spec: BatchMonitor, dataset: str, transformer: Transformer, content_type: str | None
) -> _Baseline:
    """The raw training data's baseline, with the real column names, when the batch is a raw
    extract and the model version has one; otherwise the supplied (prepared-layout) one,
    read exactly as before. On raw input every column the model does not read (the label,
    an id column, dropped columns) is left out of the check."""
    prepared = _Baseline(
        str(spec.supplied_baseline_statistics),
        str(spec.supplied_baseline_constraints),
        spec.header,
        list(spec.ignore_columns),
    )
    if not spec.supplied_raw_baseline_statistics or not spec.supplied_raw_baseline_constraints:
        return prepared
    from batchops.data.files import list_data_files
    from batchops.models import read_model_files
    from batchops.registry.lookup import model_data_uri
    from batchops.transform.traced import header_of, is_raw_input

    model = read_model_files(model_data_uri(str(transformer.model_data)))
    files = list_data_files(dataset, content_type)
    if model.preprocessing is None or not is_raw_input(files, model):
        return prepared
    reads = set(model.preprocessing.raw_columns)
    ignored = {column for item in files for column in header_of(item) if column not in reads}
    return _Baseline(
        str(spec.supplied_raw_baseline_statistics),
        str(spec.supplied_raw_baseline_constraints),
        True,
        sorted(ignored | set(spec.ignore_columns)),
        "raw",
    )


def _monitor(
    spec: BatchMonitor, source: TransformInput, transformer: Transformer, context: StepContext
) -> dict[str, Any]:
    from batchops import monitor
    from batchops.monitor.jobs import REPORT_FILE, STATISTICS_FILE, VIOLATIONS_FILE

    dataset = str(spec.dataset or source.data)
    out_dir = context.work_dir / "monitoring"
    baseline = _baseline_for(spec, dataset, transformer, source.content_type)
    check = monitor.check(
        dataset,
        statistics=baseline.statistics,
        constraints=baseline.constraints,
        out_dir=out_dir,
        header=baseline.header,
        ignore_columns=baseline.ignore_columns,
        dask=transformer.dask,
    )
    published = context.publish(out_dir, "monitoring")
    record_check(published, check, context, dataset, _model_used(context.execution_id))
    context.log(
        f"data-quality check of {dataset}: {len(check.violations)} violation(s), {published}"
    )
    violations_uri = f"{published}/{VIOLATIONS_FILE}"
    fail_if_violations(check, flag(spec.fail_on_violation), context, violations_uri)
    layout = {"Layout": "raw", "Baseline": baseline.statistics} if baseline.layout == "raw" else {}
    return {
        **layout,
        "Uri": published,
        "ViolationReport": violations_uri,
        "Statistics": f"{published}/{STATISTICS_FILE}",
        "Report": f"{published}/{REPORT_FILE}",
        "Violations": len(check.violations),
        "ViolationTypes": sorted(check.violations_by_type()),
    }


def _model_used(execution_id: str) -> tuple[str | None, int | None]:
    """The model version this execution looked up (GetApprovedModel records its use)."""
    from sqlalchemy import select

    from batchops.store.db import session_scope
    from batchops.store.schema.registry import ModelUsageRow

    with session_scope() as session:
        usage = session.scalars(
            select(ModelUsageRow)
            .where(ModelUsageRow.execution_id == execution_id)
            .order_by(ModelUsageRow.id.desc())
            .limit(1)
        ).first()
        return (usage.group_name, usage.version) if usage else (None, None)


def _score(
    spec: Transformer, source: TransformInput, context: StepContext
) -> tuple[str, dict[str, Any]]:
    from batchops.registry.lookup import model_data_uri
    from batchops.transform import transform

    local_out = context.work_dir / "predictions"
    if spec.model_data is None:
        raise InvalidInput(
            f"step {context.step_name}: scoring the model named {spec.model_name!r} needs a "
            "model catalogue, which batchops does not have yet; give the model's data instead"
        )
    reference = str(spec.model_data)
    model_uri = model_data_uri(reference)
    result = transform(
        model_uri,
        str(source.data),
        local_out,
        workers=int(spec.workers or 1),
        content_type=source.content_type or "text/csv",
        accept=spec.accept,
        header=source.header,
        input_filter=source.input_filter or None,
        output_filter=source.output_filter or None,
        join_source=(source.join_source or "").lower() == "input",
        progress=lambda _rows: context.check_stopped(),  # a stop ends it between batches
        model_reference=reference if reference != model_uri else None,
        dask=spec.dask,
        id_prefix=context.execution_id,
        id_column=str(spec.id_column) if spec.id_column else None,
    )
    target = str(spec.output_path or context.output_uri("predictions"))
    published = context.publish(local_out, "predictions", target)
    context.log(f"scored {result.rows} record(s) into {published}")
    _index_predictions(
        published,
        model_uri,
        str(source.data),
        context,
        spec.prediction_role or "champion",
        raw_input=result.layout == "raw",
    )
    output: dict[str, Any] = {"S3OutputPath": published, "Rows": result.rows}
    if result.layout != "prepared":
        output["Layout"] = result.layout
        output["UnknownCategories"] = dict(result.unknown_categories)
        for column, count in sorted(result.unknown_categories.items()):
            context.log(f"{count} row(s) with a {column} unseen in training (scored as zeros)")
    return published, output


def _index_predictions(
    published: str,
    model_uri: str,
    data: str,
    context: StepContext,
    role: str,
    *,
    raw_input: bool,
) -> None:
    """Index the inference ids kept beside the output, so labels can be joined later."""
    from batchops.registry.quality import record_traced_predictions

    record_traced_predictions(
        published,
        execution_id=context.execution_id,
        step_name=context.step_name,
        model_uri=model_uri,
        input_uri=data,
        role=role,
        raw_input=raw_input,
    )


def run_transform(node: StepNode, context: StepContext) -> StepOutcome:
    args = TransformArguments.from_json(context.resolve(node.arguments))
    published, output = _score(args.transformer, args.transform_input, context)
    return StepOutcome(properties={"TransformOutput": output}, outputs={"predictions": published})


def run_monitor_batch_transform(node: StepNode, context: StepContext) -> StepOutcome:
    args = MonitorBatchTransformArguments.from_json(context.resolve(node.arguments))
    before = flag(args.monitor.monitor_before_transform)
    quality = (
        _monitor(args.monitor, args.transform_input, args.transformer, context) if before else None
    )
    published, output = _score(args.transformer, args.transform_input, context)
    if not before:
        quality = _monitor(args.monitor, args.transform_input, args.transformer, context)
    return StepOutcome(
        properties={"TransformOutput": output, "DataQuality": quality},
        outputs={"predictions": published, "monitoring": quality["Uri"] if quality else ""},
    )
