"""The pipeline DSL: parameters, references resolved at run time, conditions, steps, `Pipeline`.

Names follow SageMaker Pipelines', so a user finds `ProcessingStep`, `JsonGet` and
`ConditionGreaterThanOrEqualTo` where they expect them.
"""

from batchops.pipeline.conditions import (
    ConditionEquals,
    ConditionGreaterThan,
    ConditionGreaterThanOrEqualTo,
    ConditionIn,
    ConditionLessThan,
    ConditionLessThanOrEqualTo,
    ConditionNot,
    ConditionOr,
)
from batchops.pipeline.parameters import (
    ParameterBoolean,
    ParameterFloat,
    ParameterInteger,
    ParameterString,
)
from batchops.pipeline.pipeline import Pipeline
from batchops.pipeline.references import ExecutionVariables, Join, JsonGet, PropertyFile
from batchops.pipeline.steps import (
    CacheConfig,
    ConditionStep,
    DataQualityCheckConfig,
    DatasetFormat,
    DriftCheckBaselines,
    FailStep,
    FunctionStep,
    MetricsSource,
    ModelMetrics,
    MonitorBatchTransformStep,
    ProcessingInput,
    ProcessingOutput,
    ProcessingStep,
    QualityCheckStep,
    RegisterModel,
    TrainingInput,
    TrainingStep,
    Transformer,
    TransformInput,
    TransformStep,
    XGBoost,
)

__all__ = [
    "CacheConfig",
    "ConditionEquals",
    "ConditionGreaterThan",
    "ConditionGreaterThanOrEqualTo",
    "ConditionIn",
    "ConditionLessThan",
    "ConditionLessThanOrEqualTo",
    "ConditionNot",
    "ConditionOr",
    "ConditionStep",
    "DataQualityCheckConfig",
    "DatasetFormat",
    "DriftCheckBaselines",
    "ExecutionVariables",
    "FailStep",
    "FunctionStep",
    "Join",
    "JsonGet",
    "MetricsSource",
    "ModelMetrics",
    "MonitorBatchTransformStep",
    "ParameterBoolean",
    "ParameterFloat",
    "ParameterInteger",
    "ParameterString",
    "Pipeline",
    "ProcessingInput",
    "ProcessingOutput",
    "ProcessingStep",
    "PropertyFile",
    "QualityCheckStep",
    "RegisterModel",
    "TrainingInput",
    "TrainingStep",
    "TransformInput",
    "TransformStep",
    "Transformer",
    "XGBoost",
]
