"""The step types, spelled as the definition's `"Type"` stores them."""

from __future__ import annotations

from enum import StrEnum


class StepType(StrEnum):
    PROCESSING = "Processing"
    TRAINING = "Training"
    CONDITION = "Condition"
    FAIL = "Fail"
    QUALITY_CHECK = "QualityCheck"
    REGISTER_MODEL = "RegisterModel"
    FUNCTION = "Function"
    TRANSFORM = "Transform"
    MONITOR_BATCH_TRANSFORM = "MonitorBatchTransform"
    MODEL = "Model"
    LAMBDA = "Lambda"

    @property
    def steers_flow(self) -> bool:
        """A condition or a fail: it evaluates its own references, and is never cached."""
        return self in (StepType.CONDITION, StepType.FAIL)
