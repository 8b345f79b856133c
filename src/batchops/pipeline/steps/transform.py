"""TransformStep (score a dataset with a model) and MonitorBatchTransformStep (check, then score).

Shapes follow SageMaker's `Transformer` / `TransformInput` so the data processing options
(`input_filter`, `join_source`, `output_filter`) read the same; the work is done by
`batchops.transform` and `batchops.monitor`, which these steps only wrap.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from batchops.pipeline.steps.base import Step, tuple_of
from batchops.pipeline.steps.quality_check import DataQualityCheckConfig
from batchops.pipeline.steps.types import StepType


@dataclass(frozen=True)
class Transformer:
    model_data: Any = None
    """A model file or a registry reference GROUP[/VERSION] (None: by `model_name`)."""
    output_path: Any = None
    accept: str | None = None
    workers: Any = 1
    max_rows_per_batch: int | None = None
    dask: str | None = None
    """A Dask scheduler's address (or `local`) to score (and check) on; stored only when set."""
    id_column: Any = None
    """The raw input's column holding inference ids (written first in the output); empty or
    None: ids made from execution, file and row. Stored only when set."""
    prediction_role: str | None = None
    """What the traced predictions are to the model-quality job: `champion` (None, the model
    in use) or `shadow` (a pending version scored beside it). Stored only when set."""
    model_name: Any = None
    """A model made by a Model step (SageMaker's `Transformer(model_name=...)`), scored instead
    of `model_data`; stored only when set."""

    def to_json(self) -> dict[str, Any]:
        data = {
            "ModelData": self.model_data,
            "OutputPath": self.output_path,
            "Accept": self.accept,
            "Workers": self.workers,
            "MaxRowsPerBatch": self.max_rows_per_batch,
        }
        if self.dask is not None:
            data["Dask"] = self.dask
        if self.id_column is not None:
            data["IdColumn"] = self.id_column
        if self.prediction_role is not None:
            data["PredictionRole"] = self.prediction_role
        if self.model_name is not None:
            data["ModelName"] = self.model_name
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Transformer:
        return cls(
            data.get("ModelData"),
            data.get("OutputPath"),
            data.get("Accept"),
            data.get("Workers", 1),
            data.get("MaxRowsPerBatch"),
            data.get("Dask"),
            data.get("IdColumn"),
            data.get("PredictionRole"),
            data.get("ModelName"),
        )


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

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> TransformInput:
        return cls(
            data["DataUri"],
            data.get("ContentType", "text/csv"),
            data.get("SplitType", "Line"),
            data.get("Header"),
            data.get("InputFilter"),
            data.get("JoinSource"),
            data.get("OutputFilter"),
        )


@dataclass(frozen=True)
class TransformArguments:
    transformer: Transformer
    transform_input: TransformInput

    def to_json(self) -> dict[str, Any]:
        return {
            "Transformer": self.transformer.to_json(),
            "TransformInput": self.transform_input.to_json(),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> TransformArguments:
        return cls(
            Transformer.from_json(data["Transformer"]),
            TransformInput.from_json(data["TransformInput"]),
        )


@dataclass(frozen=True)
class BatchMonitor:
    """The data-quality check of a MonitorBatchTransformStep, before or after its scoring."""

    dataset: Any = None  # None: the transform's own input
    header: Any = None
    ignore_columns: tuple[str, ...] = ()
    supplied_baseline_statistics: Any = None
    supplied_baseline_constraints: Any = None
    monitor_before_transform: Any = True
    fail_on_violation: Any = True
    supplied_raw_baseline_statistics: Any = None
    supplied_raw_baseline_constraints: Any = None
    """The raw training data's baseline: a raw extract (a header naming the model's raw
    columns) is checked against it under the real column names. Stored only when set."""

    def to_json(self) -> dict[str, Any]:
        data = {
            "Dataset": self.dataset,
            "Header": self.header,
            "IgnoreColumns": list(self.ignore_columns),
            "SuppliedBaselineStatistics": self.supplied_baseline_statistics,
            "SuppliedBaselineConstraints": self.supplied_baseline_constraints,
            "MonitorBeforeTransform": self.monitor_before_transform,
            "FailOnViolation": self.fail_on_violation,
        }
        if self.supplied_raw_baseline_statistics is not None:
            data["SuppliedRawBaselineStatistics"] = self.supplied_raw_baseline_statistics
            data["SuppliedRawBaselineConstraints"] = self.supplied_raw_baseline_constraints
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> BatchMonitor:
        return cls(
            data.get("Dataset"),
            data.get("Header"),
            tuple_of(data.get("IgnoreColumns")),
            data["SuppliedBaselineStatistics"],
            data["SuppliedBaselineConstraints"],
            data.get("MonitorBeforeTransform", True),
            data.get("FailOnViolation", True),
            data.get("SuppliedRawBaselineStatistics"),
            data.get("SuppliedRawBaselineConstraints"),
        )


@dataclass(frozen=True)
class MonitorBatchTransformArguments:
    transformer: Transformer
    transform_input: TransformInput
    monitor: BatchMonitor

    def to_json(self) -> dict[str, Any]:
        return {
            "Transformer": self.transformer.to_json(),
            "TransformInput": self.transform_input.to_json(),
            "Monitor": self.monitor.to_json(),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> MonitorBatchTransformArguments:
        return cls(
            Transformer.from_json(data["Transformer"]),
            TransformInput.from_json(data["TransformInput"]),
            BatchMonitor.from_json(data["Monitor"]),
        )


class TransformStep(Step):
    step_type = StepType.TRANSFORM

    def __init__(
        self, name: str, *, transformer: Transformer, inputs: TransformInput, **common: Any
    ) -> None:
        super().__init__(name, **common)
        self.transformer = transformer
        self.inputs = inputs

    def arguments(self) -> TransformArguments | MonitorBatchTransformArguments:
        return TransformArguments(self.transformer, self.inputs)


class MonitorBatchTransformStep(TransformStep):
    step_type = StepType.MONITOR_BATCH_TRANSFORM

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
        supplied_raw_baseline_statistics: Any = None,
        supplied_raw_baseline_constraints: Any = None,
        **common: Any,
    ) -> None:
        super().__init__(name, transformer=transformer, inputs=inputs, **common)
        self.monitor_configuration = monitor_configuration
        self.supplied_baseline_statistics = supplied_baseline_statistics
        self.supplied_baseline_constraints = supplied_baseline_constraints
        self.supplied_raw_baseline_statistics = supplied_raw_baseline_statistics
        self.supplied_raw_baseline_constraints = supplied_raw_baseline_constraints
        self.monitor_before_transform = monitor_before_transform
        self.fail_on_violation = fail_on_violation

    def arguments(self) -> MonitorBatchTransformArguments:
        config = self.monitor_configuration
        monitor = BatchMonitor(
            dataset=config.baseline_dataset if config else None,
            header=config.dataset_format.header if config else None,
            ignore_columns=tuple(config.ignore_columns) if config else (),
            supplied_baseline_statistics=self.supplied_baseline_statistics,
            supplied_baseline_constraints=self.supplied_baseline_constraints,
            monitor_before_transform=self.monitor_before_transform,
            fail_on_violation=self.fail_on_violation,
            supplied_raw_baseline_statistics=self.supplied_raw_baseline_statistics,
            supplied_raw_baseline_constraints=self.supplied_raw_baseline_constraints,
        )
        return MonitorBatchTransformArguments(self.transformer, self.inputs, monitor)
