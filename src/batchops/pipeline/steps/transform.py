"""TransformStep (score a dataset with a model) and MonitorBatchTransformStep (check, then score).

Shapes follow SageMaker's `Transformer` / `TransformInput` so the data processing options
(`input_filter`, `join_source`, `output_filter`) read the same; the work is done by
`batchops.transform` and `batchops.monitor`, which these steps only wrap.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from batchops.pipeline.steps.base import Step
from batchops.pipeline.steps.quality_check import DataQualityCheckConfig


@dataclass(frozen=True)
class Transformer:
    model_data: Any
    output_path: Any = None
    accept: str | None = None
    workers: Any = 1
    max_rows_per_batch: int | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "ModelData": self.model_data,
            "OutputPath": self.output_path,
            "Accept": self.accept,
            "Workers": self.workers,
            "MaxRowsPerBatch": self.max_rows_per_batch,
        }


@dataclass(frozen=True)
class TransformInput:
    data: Any
    content_type: str = "text/csv"
    split_type: str = "Line"
    header: bool | None = None
    input_filter: Any = None
    join_source: str | None = None
    output_filter: Any = None

    def to_json(self) -> dict[str, Any]:
        return {
            "DataUri": self.data,
            "ContentType": self.content_type,
            "SplitType": self.split_type,
            "Header": self.header,
            "InputFilter": self.input_filter,
            "JoinSource": self.join_source,
            "OutputFilter": self.output_filter,
        }


class TransformStep(Step):
    step_type = "Transform"

    def __init__(
        self, name: str, *, transformer: Transformer, inputs: TransformInput, **common: Any
    ) -> None:
        super().__init__(name, **common)
        self.transformer = transformer
        self.inputs = inputs

    def arguments(self) -> dict[str, Any]:
        return {"Transformer": self.transformer.to_json(), "TransformInput": self.inputs.to_json()}


class MonitorBatchTransformStep(TransformStep):
    step_type = "MonitorBatchTransform"

    def __init__(
        self,
        name: str,
        *,
        transformer: Transformer,
        inputs: TransformInput,
        monitor_configuration: DataQualityCheckConfig | None = None,
        supplied_baseline_statistics: Any,
        supplied_baseline_constraints: Any,
        monitor_before_transform: bool = True,
        fail_on_violation: Any = True,
        **common: Any,
    ) -> None:
        super().__init__(name, transformer=transformer, inputs=inputs, **common)
        self.monitor_configuration = monitor_configuration
        self.supplied_baseline_statistics = supplied_baseline_statistics
        self.supplied_baseline_constraints = supplied_baseline_constraints
        self.monitor_before_transform = monitor_before_transform
        self.fail_on_violation = fail_on_violation

    def arguments(self) -> dict[str, Any]:
        config = self.monitor_configuration
        return {
            **super().arguments(),
            "Monitor": {
                "Dataset": config.baseline_dataset if config else None,
                "Header": config.dataset_format.header if config else None,
                "IgnoreColumns": list(config.ignore_columns) if config else [],
                "SuppliedBaselineStatistics": self.supplied_baseline_statistics,
                "SuppliedBaselineConstraints": self.supplied_baseline_constraints,
                "MonitorBeforeTransform": self.monitor_before_transform,
                "FailOnViolation": self.fail_on_violation,
            },
        }
