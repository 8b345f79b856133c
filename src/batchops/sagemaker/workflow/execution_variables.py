"""`ExecutionVariables`: what an execution knows about itself, as the SDK names it."""

from __future__ import annotations

from batchops.pipeline import references as _references
from batchops.sagemaker.workflow.entities import PipelineVariable


class ExecutionVariable(PipelineVariable, _references.ExecutionVariable):
    pass


class ExecutionVariables:
    """The execution's id (batchops's execution id), ARN, pipeline, and times."""

    START_DATETIME = ExecutionVariable("StartDateTime")
    CURRENT_DATETIME = ExecutionVariable("CurrentDateTime")
    PIPELINE_NAME = ExecutionVariable("PipelineName")
    PIPELINE_ARN = ExecutionVariable("PipelineArn")
    PIPELINE_EXECUTION_ID = ExecutionVariable("PipelineExecutionId")
    PIPELINE_EXECUTION_ARN = ExecutionVariable("PipelineExecutionArn")


__all__ = ["ExecutionVariable", "ExecutionVariables"]
