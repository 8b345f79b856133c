"""Runs RegisterModel: a new model version with its metrics, baselines and input columns."""

from __future__ import annotations

import json
import tarfile
from typing import Any

from batchops.errors import InvalidInput
from batchops.models.manifest import MANIFEST_FILE
from batchops.pipeline.graph import StepNode
from batchops.runtime.context import StepContext, StepOutcome
from batchops.store import artifacts


def read_manifest(model_uri: str) -> dict[str, Any]:
    """The manifest inside a model.tar.gz, without loading the model itself."""
    if not artifacts.exists(model_uri):
        raise InvalidInput(f"model data {model_uri} does not exist")
    import io

    with tarfile.open(fileobj=io.BytesIO(artifacts.read_bytes(model_uri)), mode="r:gz") as archive:
        try:
            member = archive.extractfile(MANIFEST_FILE)
        except KeyError:
            return {}
        return json.loads(member.read()) if member else {}


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
    manifest = read_manifest(model_uri)
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
