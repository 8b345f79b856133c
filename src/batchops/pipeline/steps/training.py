"""TrainingStep with the built-in XGBoost estimator, taking SageMaker's hyperparameter names."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from batchops.pipeline.steps.base import Step


@dataclass(frozen=True)
class TrainingInput:
    """A channel: a file or folder of headerless CSV with the target in the first column."""

    s3_data: Any
    content_type: str = "text/csv"


@dataclass
class XGBoost:
    """The built-in XGBoost estimator (binary:logistic, num_round, max_depth, eta, ...)."""

    hyperparameters: dict[str, Any] = field(default_factory=dict)

    def set_hyperparameters(self, **values: Any) -> None:
        self.hyperparameters.update(values)


class TrainingStep(Step):
    step_type = "Training"

    def __init__(
        self,
        name: str,
        *,
        estimator: XGBoost,
        inputs: dict[str, TrainingInput | Any],
        **common: Any,
    ) -> None:
        super().__init__(name, **common)
        self.estimator = estimator
        self.inputs = {
            k: v if isinstance(v, TrainingInput) else TrainingInput(v) for k, v in inputs.items()
        }

    def arguments(self) -> dict[str, Any]:
        return {
            "AlgorithmSpecification": {"Algorithm": "xgboost"},
            "HyperParameters": dict(self.estimator.hyperparameters),
            "InputDataConfig": [
                {"ChannelName": k, "DataUri": v.s3_data, "ContentType": v.content_type}
                for k, v in self.inputs.items()
            ],
        }
