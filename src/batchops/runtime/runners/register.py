"""Runs RegisterModel: a new model version with its metrics, baselines and input columns.

A retry of the step (its runner killed before its success was recorded) finds the version
the step already registered, and its metric datapoints, instead of making them again.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from batchops.crashpoints import register_committed
from batchops.models.artifact import read_model_files
from batchops.models.metrics import evaluation_values
from batchops.pipeline.graph import StepNode
from batchops.pipeline.steps.register import (
    PENDING_MANUAL_APPROVAL,
    MetricsSource,
    RegisterModelArguments,
)
from batchops.runtime.context import StepContext, StepOutcome, Workspace
from batchops.store import artifacts


def _uri(source: MetricsSource | None) -> Any:
    return source.s3_uri if source else None


def model_manifest(workspace: Workspace, model_uri: str) -> dict[str, Any]:
    """The archive's manifest, once the archive is checked to hold a model as scoring will
    read it (on a worker, when the execution runs on a cluster)."""
    files = read_model_files(model_uri)
    workspace.log(f"checked the model archive {model_uri}: {len(files.model_bytes)} bytes of model")
    return files.manifest.to_dict() if files.manifest else {}


def _kept(sources: Mapping[str, MetricsSource | None]) -> dict[str, str]:
    return {
        name: str(source.s3_uri) for name, source in sources.items() if source and source.s3_uri
    }


@dataclass(frozen=True)
class _Baseline:
    """The version's data-quality baseline, and the sources kept as given beside it."""

    statistics: Any
    constraints: Any
    kept_metrics: dict[str, str]
    kept_drift: dict[str, str]


def _data_quality_baseline(args: RegisterModelArguments) -> _Baseline:
    """SageMaker's `ModelMetrics.ModelDataQuality` (what its readers take for the version's
    baseline) when given, else the drift-check baseline (batchops's own pipelines); the
    drift-check baselines of the SDK are then kept as given."""
    metrics = dict(args.model_metrics.other_sources)
    drift = args.drift_check_baselines
    statistics = metrics.pop("ModelDataQuality.Statistics", None)
    constraints = metrics.pop("ModelDataQuality.Constraints", None)
    kept_drift: dict[str, MetricsSource | None] = dict(drift.other_sources)
    if statistics is None and constraints is None:
        statistics, constraints = drift.model_data_statistics, drift.model_data_constraints
    else:
        kept_drift["ModelDataQuality.Statistics"] = drift.model_data_statistics
        kept_drift["ModelDataQuality.Constraints"] = drift.model_data_constraints
    return _Baseline(_uri(statistics), _uri(constraints), _kept(metrics), _kept(kept_drift))


def run_register_model(node: StepNode, context: StepContext) -> StepOutcome:
    from batchops import registry

    args = RegisterModelArguments.from_json(context.arguments(node))
    model_uri = str(args.model_data)
    manifest = context.on_worker(model_manifest, model_uri)
    metrics_uri = _uri(args.model_metrics.model_statistics)
    metrics = evaluation_values(json.loads(artifacts.read_text(metrics_uri))) if metrics_uri else {}
    baseline = _data_quality_baseline(args)
    statistics_uri, constraints_uri = baseline.statistics, baseline.constraints
    raw_statistics_uri = _uri(args.drift_check_baselines.raw_data_statistics)
    raw_constraints_uri = _uri(args.drift_check_baselines.raw_data_constraints)
    score_distribution_uri = _uri(args.model_metrics.score_distribution)
    metadata = {str(k): str(v) for k, v in args.customer_metadata_properties.items()}
    if manifest.get("feature_names") and "input_columns" not in metadata:
        metadata["input_columns"] = ",".join(manifest["feature_names"])
    inference_spec = {
        "SupportedContentTypes": list(args.content_types),
        "SupportedResponseMIMETypes": list(args.response_types),
        "flavor": manifest.get("flavor", "xgboost"),
        "loader": manifest.get("loader", "batchops.models.xgboost"),
        "feature_names": manifest.get("feature_names", []),
        "n_features": manifest.get("n_features"),
    }
    if args.image_uri:
        inference_spec["Image"] = str(args.image_uri)
    kept = {"ModelMetrics": baseline.kept_metrics, "DriftCheckBaselines": baseline.kept_drift}
    if any(kept.values()):  # as given, by SageMaker's request names (describe_model_package)
        inference_spec["MetricSources"] = kept
    version = registry.register_version(
        str(args.model_package_group_name),
        model_data_uri=model_uri,
        inference_spec=inference_spec,
        metrics=metrics,
        metrics_uri=metrics_uri,
        statistics_uri=statistics_uri,
        constraints_uri=constraints_uri,
        raw_statistics_uri=raw_statistics_uri,
        raw_constraints_uri=raw_constraints_uri,
        score_distribution_uri=score_distribution_uri,
        custom_metadata=metadata,
        execution_id=context.execution_id,
        step_name=context.step_name,
        description=str(args.model_description or ""),
        status=str(args.approval_status or PENDING_MANUAL_APPROVAL),
        crash_points=context.crash_points,
    )
    context.log(f"registered {version.group}/{version.version} ({version.status})")
    context.crash_points.reached(register_committed(context.step_name))
    from batchops.store.metric_names import model_metric
    from batchops.store.metrics import record_metrics

    record_metrics(  # the version's evaluation figures as datapoints alarms can watch, once
        f"{version.group}/{version.version}",
        {model_metric(name): value for name, value in metrics.items()},
        execution_id=context.execution_id,
        step_name=context.step_name,
    )
    return StepOutcome(
        properties={
            "ModelPackageArn": f"{version.group}/{version.version}",
            "ModelPackageGroupName": version.group,
            "ModelPackageVersion": version.version,
            "ModelApprovalStatus": version.status,
        }
    )
