"""RegisterModel: a new version in a model package group, with metrics and drift baselines."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from batchops.pipeline.steps.base import Step, dict_of, tuple_of
from batchops.pipeline.steps.types import StepType
from batchops.store.statuses import ApprovalStatus

PENDING_MANUAL_APPROVAL = ApprovalStatus.PENDING


@dataclass(frozen=True)
class MetricsSource:
    s3_uri: Any
    content_type: str = "application/json"

    def to_json(self) -> dict[str, Any]:
        return {"S3Uri": self.s3_uri, "ContentType": self.content_type}

    @classmethod
    def from_json(cls, data: Mapping[str, Any] | None) -> MetricsSource | None:
        if not data:
            return None
        return cls(data.get("S3Uri"), data.get("ContentType", "application/json"))


def _other_sources_json(sources: Mapping[str, MetricsSource]) -> dict[str, Any]:
    return {name: source.to_json() for name, source in sources.items()}


def _other_sources(data: Mapping[str, Any] | None) -> dict[str, MetricsSource]:
    found = {name: MetricsSource.from_json(entry) for name, entry in (data or {}).items()}
    return {name: source for name, source in found.items() if source is not None}


@dataclass(frozen=True)
class ModelMetrics:
    model_statistics: MetricsSource | None = None
    score_distribution: MetricsSource | None = None
    """The holdout's score distribution (evaluate.py's score_distribution.json), the reference
    of prediction drift; a batchops addition, stored only when set."""
    other_sources: Mapping[str, MetricsSource] = field(default_factory=dict)
    """Sources batchops keeps as given without reading them, by SageMaker's request name
    (`ModelDataQuality.Statistics`, `Bias.Report`, ...); stored only when set."""

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "ModelStatistics": self.model_statistics.to_json() if self.model_statistics else None
        }
        if self.score_distribution is not None:
            data["ScoreDistribution"] = self.score_distribution.to_json()
        if self.other_sources:
            data["OtherSources"] = _other_sources_json(self.other_sources)
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any] | None) -> ModelMetrics:
        data = data or {}
        return cls(
            MetricsSource.from_json(data.get("ModelStatistics")),
            MetricsSource.from_json(data.get("ScoreDistribution")),
            _other_sources(data.get("OtherSources")),
        )


@dataclass(frozen=True)
class DriftCheckBaselines:
    model_data_statistics: MetricsSource | None = None
    model_data_constraints: MetricsSource | None = None
    raw_data_statistics: MetricsSource | None = None
    raw_data_constraints: MetricsSource | None = None
    """The baseline of the raw training data (named columns, before the model's encoding), which
    raw extracts are checked against; a batchops addition, stored only when set."""
    other_sources: Mapping[str, MetricsSource] = field(default_factory=dict)
    """Baselines batchops keeps as given without reading them, by SageMaker's request name
    (`ModelQuality.Statistics`, `Bias.ConfigFile`, ...); stored only when set."""

    def to_json(self) -> dict[str, Any]:
        def entry(source: MetricsSource | None) -> dict[str, Any] | None:
            return source.to_json() if source else None

        data: dict[str, Any] = {
            "ModelDataStatistics": entry(self.model_data_statistics),
            "ModelDataConstraints": entry(self.model_data_constraints),
        }
        if self.raw_data_statistics is not None or self.raw_data_constraints is not None:
            data["RawDataStatistics"] = entry(self.raw_data_statistics)
            data["RawDataConstraints"] = entry(self.raw_data_constraints)
        if self.other_sources:
            data["OtherSources"] = _other_sources_json(self.other_sources)
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any] | None) -> DriftCheckBaselines:
        data = data or {}
        return cls(
            MetricsSource.from_json(data.get("ModelDataStatistics")),
            MetricsSource.from_json(data.get("ModelDataConstraints")),
            MetricsSource.from_json(data.get("RawDataStatistics")),
            MetricsSource.from_json(data.get("RawDataConstraints")),
            _other_sources(data.get("OtherSources")),
        )


@dataclass(frozen=True)
class RegisterModelArguments:
    model_package_group_name: Any
    model_data: Any
    content_types: tuple[str, ...] = ("text/csv",)
    response_types: tuple[str, ...] = ("text/csv",)
    approval_status: Any = PENDING_MANUAL_APPROVAL
    model_metrics: ModelMetrics = field(default_factory=ModelMetrics)
    drift_check_baselines: DriftCheckBaselines = field(default_factory=DriftCheckBaselines)
    customer_metadata_properties: Mapping[str, Any] = field(default_factory=dict)
    model_description: Any = ""
    image_uri: Any = None
    """The model's image (SageMaker's InferenceSpecification container); stored only when set."""

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "ModelPackageGroupName": self.model_package_group_name,
            "ModelData": self.model_data,
            "InferenceSpecification": {
                "SupportedContentTypes": list(self.content_types),
                "SupportedResponseMIMETypes": list(self.response_types),
            },
            "ModelApprovalStatus": self.approval_status,
            "ModelMetrics": self.model_metrics.to_json(),
            "DriftCheckBaselines": self.drift_check_baselines.to_json(),
            "CustomerMetadataProperties": dict(self.customer_metadata_properties),
            "ModelPackageDescription": self.model_description,
        }
        if self.image_uri is not None:
            data["Image"] = self.image_uri
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> RegisterModelArguments:
        inference = data.get("InferenceSpecification") or {}
        return cls(
            model_package_group_name=data["ModelPackageGroupName"],
            model_data=data["ModelData"],
            content_types=tuple_of(inference.get("SupportedContentTypes", ("text/csv",))),
            response_types=tuple_of(inference.get("SupportedResponseMIMETypes", ("text/csv",))),
            approval_status=data.get("ModelApprovalStatus", PENDING_MANUAL_APPROVAL),
            model_metrics=ModelMetrics.from_json(data.get("ModelMetrics")),
            drift_check_baselines=DriftCheckBaselines.from_json(data.get("DriftCheckBaselines")),
            customer_metadata_properties=dict_of(data.get("CustomerMetadataProperties")),
            model_description=data.get("ModelPackageDescription", ""),
            image_uri=data.get("Image"),
        )


class RegisterModel(Step):
    step_type = StepType.REGISTER_MODEL

    def __init__(
        self,
        name: str,
        *,
        model_data: Any,
        model_package_group_name: Any,
        content_types: list[str] | None = None,
        response_types: list[str] | None = None,
        approval_status: Any = PENDING_MANUAL_APPROVAL,
        model_metrics: ModelMetrics | None = None,
        drift_check_baselines: DriftCheckBaselines | None = None,
        customer_metadata_properties: dict[str, Any] | None = None,
        model_description: Any = "",
        image_uri: Any = None,
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
        self.image_uri = image_uri

    def arguments(self) -> RegisterModelArguments:
        return RegisterModelArguments(
            model_package_group_name=self.model_package_group_name,
            model_data=self.model_data,
            content_types=tuple(self.content_types),
            response_types=tuple(self.response_types),
            approval_status=self.approval_status,
            model_metrics=self.model_metrics,
            drift_check_baselines=self.drift_check_baselines,
            customer_metadata_properties=dict(self.customer_metadata_properties),
            model_description=self.model_description,
            image_uri=self.image_uri,
        )
