"""SageMaker Python SDK (v2) pipelines on batchops: `import batchops.sagemaker as sagemaker`.

The module tree mirrors the SDK's (`batchops.sagemaker.workflow.steps`, `.processing`,
`.estimator`, ...), so a notebook written for SageMaker runs with `sagemaker` replaced by
`batchops.sagemaker` in its imports and its AWS account lines removed. Sessions answer for a
pseudo-account without calling AWS; `s3://` buckets are folders of the artifact store;
`Pipeline.upsert()` stores batchops's own definition and `start()` runs it as a batchops
execution. What batchops does not run on (roles, instance types, KMS keys) is accepted and
ignored; what it does not support imports fine and refuses when used, naming itself.
"""

from batchops.sagemaker import (
    estimator,
    image_uris,
    inputs,
    model,
    model_metrics,
    processing,
    s3,
    session,
    transformer,
)
from batchops.sagemaker.estimator import Estimator
from batchops.sagemaker.inputs import TrainingInput, TransformInput
from batchops.sagemaker.model import Model
from batchops.sagemaker.model_metrics import FileSource, MetricsSource, ModelMetrics
from batchops.sagemaker.processing import (
    ProcessingInput,
    ProcessingOutput,
    Processor,
    ScriptProcessor,
)
from batchops.sagemaker.session import Session, get_execution_role
from batchops.sagemaker.transformer import Transformer

__all__ = [
    "Estimator",
    "FileSource",
    "MetricsSource",
    "Model",
    "ModelMetrics",
    "ProcessingInput",
    "ProcessingOutput",
    "Processor",
    "ScriptProcessor",
    "Session",
    "TrainingInput",
    "TransformInput",
    "Transformer",
    "estimator",
    "get_execution_role",
    "image_uris",
    "inputs",
    "model",
    "model_metrics",
    "processing",
    "s3",
    "session",
    "transformer",
]
