"""`ClarifyCheckStep` and its configurations: importable, not supported."""

from __future__ import annotations

from batchops.sagemaker._unsupported import unsupported

_HINT = "batchops checks data and model quality (QualityCheckStep), not bias or explainability"

ClarifyCheckConfig = unsupported("ClarifyCheckConfig", __name__, _HINT)
DataBiasCheckConfig = unsupported("DataBiasCheckConfig", __name__, _HINT)
ModelBiasCheckConfig = unsupported("ModelBiasCheckConfig", __name__, _HINT)
ModelExplainabilityCheckConfig = unsupported("ModelExplainabilityCheckConfig", __name__, _HINT)
ClarifyCheckStep = unsupported("ClarifyCheckStep", __name__, _HINT)

__all__ = [
    "ClarifyCheckConfig",
    "ClarifyCheckStep",
    "DataBiasCheckConfig",
    "ModelBiasCheckConfig",
    "ModelExplainabilityCheckConfig",
]
