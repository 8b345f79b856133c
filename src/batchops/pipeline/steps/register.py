"""RegisterModel: a new version in a model package group, with metrics and drift baselines."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from batchops.pipeline.steps.base import Step


@dataclass(frozen=True)
class MetricsSource:
    s3_uri: Any
    content_type: str = "application/json"

    def to_json(self) -> dict[str, Any]:
        return {"S3Uri": self.s3_uri, "ContentType": self.content_type}


@dataclass(frozen=True)
class ModelMetrics:
    model_statistics: MetricsSource | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "ModelStatistics": self.model_statistics.to_json() if self.model_statistics else None
        }


@dataclass(frozen=True)
class DriftCheckBaselines:
    model_data_statistics: MetricsSource | None = None
    model_data_constraints: MetricsSource | None = None

    def to_json(self) -> dict[str, Any]:
        def entry(source: MetricsSource | None) -> dict[str, Any] | None:
            return source.to_json() if source else None

        return {
            "ModelDataStatistics": entry(self.model_data_statistics),
            "ModelDataConstraints": entry(self.model_data_constraints),
        }


class RegisterModel(Step):
    step_type = "RegisterModel"

    def __init__(
        self,
        name: str,
        *,
        model_data: Any,
        model_package_group_name: Any,
        content_types: list[str] | None = None,
        response_types: list[str] | None = None,
        approval_status: Any = "PendingManualApproval",
        model_metrics: ModelMetrics | None = None,
        drift_check_baselines: DriftCheckBaselines | None = None,
        customer_metadata_properties: dict[str, Any] | None = None,
        model_description: Any = "",
        **common: Any,
    ) -> None:
        super().__init__(name, **common)
        self.model_data = model_data
        self.model_package_group_name = model_package_group_name
        self.content_types = list(content_types or ["text/csv"])
        self.response_types = list(response_types or ["text/csv"])
        self.approval_status = approval_status
        self.model_metrics = model_metrics or ModelMetrics()
        self.drift_check_baselines = drift_check_baselines or DriftCheckBaselines()
        self.customer_metadata_properties = dict(customer_metadata_properties or {})
        self.model_description = model_description

    def arguments(self) -> dict[str, Any]:
        return {
            "ModelPackageGroupName": self.model_package_group_name,
            "ModelData": self.model_data,
            "InferenceSpecification": {
                "SupportedContentTypes": self.content_types,
                "SupportedResponseMIMETypes": self.response_types,
            },
            "ModelApprovalStatus": self.approval_status,
            "ModelMetrics": self.model_metrics.to_json(),
            "DriftCheckBaselines": self.drift_check_baselines.to_json(),
            "CustomerMetadataProperties": self.customer_metadata_properties,
            "ModelPackageDescription": self.model_description,
        }
