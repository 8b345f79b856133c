"""The step types: each a declaration that serialises to a definition entry."""

from batchops.pipeline.steps.base import CacheConfig, DefinedStep, Step
from batchops.pipeline.steps.condition import ConditionStep, FailStep
from batchops.pipeline.steps.function import FunctionStep
from batchops.pipeline.steps.processing import ProcessingInput, ProcessingOutput, ProcessingStep
from batchops.pipeline.steps.quality_check import (
    DataQualityCheckConfig,
    DatasetFormat,
    QualityCheckStep,
)
from batchops.pipeline.steps.register import (
    DriftCheckBaselines,
    MetricsSource,
    ModelMetrics,
    RegisterModel,
)
from batchops.pipeline.steps.training import TrainingInput, TrainingStep, XGBoost
from batchops.pipeline.steps.transform import (
    MonitorBatchTransformStep,
    Transformer,
    TransformInput,
    TransformStep,
)

__all__ = [
    "CacheConfig",
    "ConditionStep",
    "DataQualityCheckConfig",
    "DatasetFormat",
    "DefinedStep",
    "DriftCheckBaselines",
    "FailStep",
    "FunctionStep",
    "MetricsSource",
    "ModelMetrics",
    "MonitorBatchTransformStep",
    "ProcessingInput",
    "ProcessingOutput",
    "ProcessingStep",
    "QualityCheckStep",
    "RegisterModel",
    "Step",
    "TrainingInput",
    "TrainingStep",
    "TransformInput",
    "TransformStep",
    "Transformer",
    "XGBoost",
]
