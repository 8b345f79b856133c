"""`PipelineSession`: under it, jobs' methods return step arguments instead of running."""

from batchops.sagemaker._pipeline_session import (
    PipelineSession,
    StepArguments,
    runnable_by_pipeline,
)

__all__ = ["PipelineSession", "StepArguments", "runnable_by_pipeline"]
