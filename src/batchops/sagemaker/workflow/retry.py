"""Retry policies: accepted and ignored (a failed execution resumes with `batchops execution
retry`, which reruns the steps that did not succeed)."""

from __future__ import annotations

from enum import Enum
from typing import Any


class StepExceptionTypeEnum(Enum):
    SERVICE_FAULT = "Step.SERVICE_FAULT"
    THROTTLING = "Step.THROTTLING"


class SageMakerJobExceptionTypeEnum(Enum):
    INTERNAL_ERROR = "SageMaker.JOB_INTERNAL_ERROR"
    CAPACITY_ERROR = "SageMaker.CAPACITY_ERROR"
    RESOURCE_LIMIT = "SageMaker.RESOURCE_LIMIT"


class RetryPolicy:
    def __init__(
        self,
        backoff_rate: float = 2.0,
        interval_seconds: int = 1,
        max_attempts: int | None = None,
        expire_after_mins: int | None = None,
        **kinds: Any,
    ) -> None:
        self.backoff_rate = backoff_rate
        self.interval_seconds = interval_seconds
        self.max_attempts = max_attempts
        self.expire_after_mins = expire_after_mins
        self.kinds = kinds


class StepRetryPolicy(RetryPolicy):
    pass


class SageMakerJobStepRetryPolicy(RetryPolicy):
    pass


__all__ = [
    "RetryPolicy",
    "SageMakerJobExceptionTypeEnum",
    "SageMakerJobStepRetryPolicy",
    "StepExceptionTypeEnum",
    "StepRetryPolicy",
]
