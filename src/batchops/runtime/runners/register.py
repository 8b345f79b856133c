"""Runs RegisterModel: a new model version with its metrics, baselines and input columns."""

from __future__ import annotations

import json
from typing import Any

from batchops.models.artifact import read_model_files
from batchops.pipeline.graph import StepNode
from batchops.runtime.context import StepContext, StepOutcome
from batchops.store import artifacts


def flat_metrics(evaluation: dict[str, Any]) -> dict[str, float]:
    """`{"binary_classification_metrics": {"accuracy": {"value": 0.9}}}` -> `{"accuracy": 0.9}`."""
    metrics: dict[str, float] = {}
    for group in evaluation.values():
        if not isinstance(group, dict):
            continue
        for name, entry in group.items():
            value = entry.get("value") if isinstance(entry, dict) else None
            if isinstance(value, int | float) and not isinstance(value, bool):
                metrics[name] = float(value)
    return metrics


def run_registermodel(node: StepNode, context: StepContext) -> StepOutcome:
    from batchops import registry

    args = context.resolve(node.arguments)
    model_uri = str(args["ModelData"])
    files = read_model_files(model_uri)  # checks the archive holds a model, as scoring will
    manifest = files.manifest.to_dict() if files.manifest else {}
    statistics_source = (args.get("ModelMetrics") or {}).get("ModelStatistics") or {}
    metrics_uri = statistics_source.get("S3Uri")
    metrics = flat_metrics(json.loads(artifacts.read_text(metrics_uri))) if metrics_uri else {}
    baselines = args.get("DriftCheckBaselines") or {}
    statistics_uri = (baselines.get("ModelDataStatistics") or {}).get("S3Uri")
    constraints_uri = (baselines.get("ModelDataConstraints") or {}).get("S3Uri")
    metadata = {str(k): str(v) for k, v in (args.get("CustomerMetadataProperties") or {}).items()}
    if manifest.get("feature_names") and "input_columns" not in metadata:
        metadata["input_columns"] = ",".join(manifest["feature_names"])
    inference_spec = {
        **(args.get("InferenceSpecification") or {}),
        "flavor": manifest.get("flavor", "xgboost"),
        "loader": manifest.get("loader", "batchops.models.xgboost"),
        "feature_names": manifest.get("feature_names", []),
        "n_features": manifest.get("n_features"),
    }
    version = registry.register_version(
        str(args["ModelPackageGroupName"]),
        model_data_uri=model_uri,
        inference_spec=inference_spec,
        metrics=metrics,
        metrics_uri=metrics_uri,
        statistics_uri=statistics_uri,
        constraints_uri=constraints_uri,
        custom_metadata=metadata,
        execution_id=context.execution_id,
        step_name=context.step_name,
        description=str(args.get("ModelPackageDescription") or ""),
        status=str(args.get("ModelApprovalStatus") or "PendingManualApproval"),
    )
    context.log(f"registered {version.group}/{version.version} ({version.status})")
    return StepOutcome(
        properties={
            "ModelPackageArn": f"{version.group}/{version.version}",
            "ModelPackageGroupName": version.group,
            "ModelPackageVersion": version.version,
            "ModelApprovalStatus": version.status,
        }
    )
