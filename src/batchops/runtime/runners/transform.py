"""Runs TransformStep and MonitorBatchTransformStep.

With monitoring before the transform (the default) a violation under fail-on-violation stops
the step before any prediction is written; otherwise violations are reported and scoring goes
on. Predictions are assembled in the work folder and published as a whole.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from batchops.errors import InvalidInput
from batchops.models.artifact import ModelFiles
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
class _Model:
    """The step's model, found and read once for its check and its scoring."""

    reference: str
    """As the step names it: a file, or a registry `GROUP[/VERSION]`."""
    uri: str
    files: ModelFiles


def _model_of(transformer: Transformer) -> _Model:
    from batchops.models import read_model_files
    from batchops.registry.lookup import model_data_uri

    if transformer.model_data is not None:
        reference = str(transformer.model_data)
    elif transformer.model_name:
        from batchops.registry.models import model_reference

        reference = model_reference(str(transformer.model_name))
    else:
        raise InvalidInput("a transform needs a model: its model data or a model name")
    uri = model_data_uri(reference)
    return _Model(reference, uri, read_model_files(uri))


def _is_raw(dataset: str, content_type: str | None, model: _Model) -> bool:
    """The batch is a raw extract for this model (decided once per dataset and step)."""
    from batchops.data.files import list_data_files
    from batchops.transform.traced import is_raw_input

    if model.files.preprocessing is None:
        return False
    return is_raw_input(list_data_files(dataset, content_type), model.files)


@dataclass(frozen=True)
class _Baseline:
    """The baseline a batch is checked against, and how its file is read."""

    statistics: str
    constraints: str
    header: bool | None
    ignore_columns: list[str]
    layout: str = "prepared"


def _baseline_for(
    spec: BatchMonitor, dataset: str, raw: bool, model: _Model, content_type: str | None
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
    has_raw_baseline = (
        spec.supplied_raw_baseline_statistics and spec.supplied_raw_baseline_constraints
    )
    if not has_raw_baseline or not raw or model.files.preprocessing is None:
        return prepared
    from batchops.data.files import list_data_files
    from batchops.transform.traced import header_of

    reads = set(model.files.preprocessing.raw_columns)
    files = list_data_files(dataset, content_type)
    ignored = {column for item in files for column in header_of(item) if column not in reads}
    return _Baseline(
        str(spec.supplied_raw_baseline_statistics),
        str(spec.supplied_raw_baseline_constraints),
        True,
        sorted(ignored | set(spec.ignore_columns)),
        "raw",
    )


def _monitor(
    spec: BatchMonitor,
    source: TransformInput,
    transformer: Transformer,
    model: _Model,
    raw_input: bool,
    context: StepContext,
) -> dict[str, Any]:
    from batchops import monitor
    from batchops.monitor.jobs import REPORT_FILE, STATISTICS_FILE, VIOLATIONS_FILE
    from batchops.registry.usage import model_used
    from batchops.runtime.summary import monitored_column_labels

    dataset = str(spec.dataset or source.data)
    raw = raw_input if dataset == str(source.data) else _is_raw(dataset, source.content_type, model)
    out_dir = context.work_dir / "monitoring"
    baseline = _baseline_for(spec, dataset, raw, model, source.content_type)
    # The baseline has every column of the batch, ignored ones too: its width is the batch's.
    labels = monitored_column_labels(model.uri, baseline.statistics, source.input_filter, 0)
    check = monitor.check(
        dataset,
        statistics=baseline.statistics,
        constraints=baseline.constraints,
        out_dir=out_dir,
        header=baseline.header,
        ignore_columns=baseline.ignore_columns,
        dask=transformer.dask or context.dask,
        labels=labels,
    )
    published = context.publish(out_dir, "monitoring")
    used = model_used(context.execution_id)
    record_check(
        published, check, context, dataset, (used.group, used.version) if used else (None, None)
    )
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


def _score(
    spec: Transformer,
    source: TransformInput,
    model: _Model,
    context: StepContext,
    raw_input: bool | None = None,
) -> tuple[str, dict[str, Any]]:
    from batchops.transform import transform

    local_out = context.work_dir / "predictions"
    result = transform(
        model.files,
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
        model_reference=model.reference if model.reference != model.uri else None,
        dask=spec.dask or context.dask,
        id_prefix=context.execution_id,
        id_column=str(spec.id_column) if spec.id_column else None,
        raw_input=raw_input,
    )
    target = str(spec.output_path or context.output_uri("predictions"))
    published = context.publish(local_out, "predictions", target)
    context.log(f"scored {result.rows} record(s) into {published}")
    _index_predictions(
        published,
        model.uri,
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
    from batchops.registry.prediction_index import record_traced_predictions

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
    args = TransformArguments.from_json(context.arguments(node))
    model = _model_of(args.transformer)
    published, output = _score(args.transformer, args.transform_input, model, context)
    return StepOutcome(properties={"TransformOutput": output}, outputs={"predictions": published})


def run_monitor_batch_transform(node: StepNode, context: StepContext) -> StepOutcome:
    """The model is found and read once, and whether the batch is a raw extract decided
    once, for both the check and the scoring."""
    args = MonitorBatchTransformArguments.from_json(context.arguments(node))
    source, transformer = args.transform_input, args.transformer
    model = _model_of(transformer)
    raw = _is_raw(str(source.data), source.content_type or "text/csv", model)
    before = flag(args.monitor.monitor_before_transform)
    quality = _monitor(args.monitor, source, transformer, model, raw, context) if before else None
    published, output = _score(transformer, source, model, context, raw)
    if not before:
        quality = _monitor(args.monitor, source, transformer, model, raw, context)
    return StepOutcome(
        properties={"TransformOutput": output, "DataQuality": quality},
        outputs={"predictions": published, "monitoring": quality["Uri"] if quality else ""},
    )
