"""SageMaker Clarify (bias and explainability): importable, not supported."""

from __future__ import annotations

from batchops.sagemaker._unsupported import unsupported

_HINT = "batchops checks data and model quality, not bias or explainability"

BiasConfig = unsupported("BiasConfig", __name__, _HINT)
DataConfig = unsupported("DataConfig", __name__, _HINT)
ModelConfig = unsupported("ModelConfig", __name__, _HINT)
ModelPredictedLabelConfig = unsupported("ModelPredictedLabelConfig", __name__, _HINT)
SHAPConfig = unsupported("SHAPConfig", __name__, _HINT)
PDPConfig = unsupported("PDPConfig", __name__, _HINT)
TextConfig = unsupported("TextConfig", __name__, _HINT)
ImageConfig = unsupported("ImageConfig", __name__, _HINT)
SageMakerClarifyProcessor = unsupported("SageMakerClarifyProcessor", __name__, _HINT)

__all__ = [
    "BiasConfig",
    "DataConfig",
    "ImageConfig",
    "ModelConfig",
    "ModelPredictedLabelConfig",
    "PDPConfig",
    "SHAPConfig",
    "SageMakerClarifyProcessor",
    "TextConfig",
]
