"""The step types: each a declaration that serialises to a definition entry.

Each type's arguments are one frozen dataclass next to its step (`ProcessingArguments`, ...):
the step writes the definition through it, and the runtime's runner reads it back through
it. `ARGUMENTS` finds that dataclass by step type.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from batchops.errors import InvalidInput
from batchops.pipeline.steps.base import CacheConfig, DefinedStep, Step, StepArguments
from batchops.pipeline.steps.condition import (
    ConditionArguments,
    ConditionStep,
    FailArguments,
    FailStep,
)
from batchops.pipeline.steps.function import FunctionArguments, FunctionStep
from batchops.pipeline.steps.lambda_function import LambdaArguments, LambdaStep
from batchops.pipeline.steps.model import CreateModel, ModelArguments
from batchops.pipeline.steps.processing import (
    ProcessingArguments,
    ProcessingInput,
    ProcessingOutput,
    ProcessingStep,
)
from batchops.pipeline.steps.quality_check import (
    DataQualityCheckConfig,
    DatasetFormat,
    ModelQualityCheckConfig,
    QualityCheckArguments,
    QualityCheckStep,
)
from batchops.pipeline.steps.register import (
    DriftCheckBaselines,
    MetricsSource,
    ModelMetrics,
    RegisterModel,
    RegisterModelArguments,
)
from batchops.pipeline.steps.training import (
    TrainingArguments,
    TrainingInput,
    TrainingStep,
    XGBoost,
)
from batchops.pipeline.steps.transform import (
    MonitorBatchTransformArguments,
    MonitorBatchTransformStep,
    TransformArguments,
    Transformer,
    TransformInput,
    TransformStep,
)
from batchops.pipeline.steps.types import StepType

ARGUMENTS: dict[StepType, Callable[[Mapping[str, Any]], StepArguments]] = {
    StepType.PROCESSING: ProcessingArguments.from_json,
    StepType.TRAINING: TrainingArguments.from_json,
    StepType.CONDITION: ConditionArguments.from_json,
    StepType.FAIL: FailArguments.from_json,
    StepType.QUALITY_CHECK: QualityCheckArguments.from_json,
    StepType.REGISTER_MODEL: RegisterModelArguments.from_json,
    StepType.FUNCTION: FunctionArguments.from_json,
    StepType.TRANSFORM: TransformArguments.from_json,
    StepType.MONITOR_BATCH_TRANSFORM: MonitorBatchTransformArguments.from_json,
    StepType.MODEL: ModelArguments.from_json,
    StepType.LAMBDA: LambdaArguments.from_json,
}


def arguments_from_json(step_type: str, data: Mapping[str, Any]) -> StepArguments:
    """A definition entry's `"Arguments"` as its type's dataclass."""
    read = ARGUMENTS.get(step_type)  # type: ignore[call-overload]
    if read is None:
        known = ", ".join(sorted(ARGUMENTS))
        raise InvalidInput(f"unknown step type {step_type!r}; known: {known}")
    return read(data)


__all__ = [
    "ARGUMENTS",
    "CacheConfig",
    "ConditionArguments",
    "ConditionStep",
    "CreateModel",
    "DataQualityCheckConfig",
    "DatasetFormat",
    "DefinedStep",
    "DriftCheckBaselines",
    "FailArguments",
    "FailStep",
    "FunctionArguments",
    "FunctionStep",
    "LambdaArguments",
    "LambdaStep",
    "MetricsSource",
    "ModelArguments",
    "ModelMetrics",
    "ModelQualityCheckConfig",
    "MonitorBatchTransformArguments",
    "MonitorBatchTransformStep",
    "ProcessingArguments",
    "ProcessingInput",
    "ProcessingOutput",
    "ProcessingStep",
    "QualityCheckArguments",
    "QualityCheckStep",
    "RegisterModel",
    "RegisterModelArguments",
    "Step",
    "StepArguments",
    "StepType",
    "TrainingArguments",
    "TrainingInput",
    "TrainingStep",
    "TransformArguments",
    "TransformInput",
    "TransformStep",
    "Transformer",
    "XGBoost",
    "arguments_from_json",
]
