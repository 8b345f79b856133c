"""Runs RegisterModel: a new model version with its metrics, baselines and input columns."""

from __future__ import annotations

import json
from typing import Any

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


def run_register_model(node: StepNode, context: StepContext) -> StepOutcome:
    from batchops import registry

    args = RegisterModelArguments.from_json(context.arguments(node))
    model_uri = str(args.model_data)
    manifest = context.on_worker(model_manifest, model_uri)
    metrics_uri = _uri(args.model_metrics.model_statistics)
    metrics = evaluation_values(json.loads(artifacts.read_text(metrics_uri))) if metrics_uri else {}
    statistics_uri = _uri(args.drift_check_baselines.model_data_statistics)
    constraints_uri = _uri(args.drift_check_baselines.model_data_constraints)
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
    )
    context.log(f"registered {version.group}/{version.version} ({version.status})")
    from batchops.store.metric_names import model_metric
    from batchops.store.metrics import record_metrics

    record_metrics(  # the version's evaluation figures as datapoints alarms can watch
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
