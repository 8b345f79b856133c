"""`ModelMetrics`, `MetricsSource` and `FileSource` in the SDK's argument order
(`MetricsSource(content_type, s3_uri)`: content type first)."""

from __future__ import annotations

from typing import Any

from batchops.pipeline.steps.register import MetricsSource as _BatchopsSource


class MetricsSource:
    """A metrics file: its content type and where it is."""

    def __init__(self, content_type: Any, s3_uri: Any, content_digest: Any = None) -> None:
        self.content_type = content_type
        self.s3_uri = s3_uri
        self.content_digest = content_digest

    def to_batchops(self) -> _BatchopsSource:
        return _BatchopsSource(self.s3_uri, self.content_type)


class FileSource:
    """A configuration file: where it is, and optionally its type and digest."""

    def __init__(self, s3_uri: Any, content_digest: Any = None, content_type: Any = None) -> None:
        self.s3_uri = s3_uri
        self.content_digest = content_digest
        self.content_type = content_type

    def to_batchops(self) -> _BatchopsSource:
        return _BatchopsSource(self.s3_uri, self.content_type or "application/json")


Source = MetricsSource | FileSource


class ModelMetrics:
    """A model version's metrics: model quality (the evaluation report), the data-quality
    baseline, bias and explainability reports."""

    def __init__(
        self,
        model_statistics: MetricsSource | None = None,
        model_constraints: MetricsSource | None = None,
        model_data_statistics: MetricsSource | None = None,
        model_data_constraints: MetricsSource | None = None,
        bias: MetricsSource | None = None,
        explainability: MetricsSource | None = None,
        bias_pre_training: MetricsSource | None = None,
        bias_post_training: MetricsSource | None = None,
    ) -> None:
        self.model_statistics = model_statistics
        self.model_constraints = model_constraints
        self.model_data_statistics = model_data_statistics
        self.model_data_constraints = model_data_constraints
        self.bias = bias
        self.explainability = explainability
        self.bias_pre_training = bias_pre_training
        self.bias_post_training = bias_post_training

    def other_sources(self) -> dict[str, Source | None]:
        """The sources batchops keeps as given, by SageMaker's request name."""
        return {
            "ModelQuality.Constraints": self.model_constraints,
            "ModelDataQuality.Statistics": self.model_data_statistics,
            "ModelDataQuality.Constraints": self.model_data_constraints,
            "Bias.Report": self.bias,
            "Bias.PreTrainingReport": self.bias_pre_training,
            "Bias.PostTrainingReport": self.bias_post_training,
            "Explainability.Report": self.explainability,
        }


__all__ = ["FileSource", "MetricsSource", "ModelMetrics"]
