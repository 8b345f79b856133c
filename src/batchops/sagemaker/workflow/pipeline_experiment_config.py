"""`PipelineExperimentConfig`: shown in the SDK JSON; batchops keeps no experiments."""

from __future__ import annotations

from typing import Any

from batchops.pipeline.references import encode
from batchops.sagemaker.workflow.execution_variables import ExecutionVariable


class PipelineExperimentConfigProperties:
    EXPERIMENT_NAME = ExecutionVariable("PipelineExperimentName")
    TRIAL_NAME = ExecutionVariable("PipelineTrialName")


class PipelineExperimentConfig:
    def __init__(self, experiment_name: Any, trial_name: Any) -> None:
        self.experiment_name = experiment_name
        self.trial_name = trial_name

    def to_request(self) -> dict[str, Any]:
        return {
            "ExperimentName": encode(self.experiment_name),
            "TrialName": encode(self.trial_name),
        }


__all__ = ["PipelineExperimentConfig", "PipelineExperimentConfigProperties"]
