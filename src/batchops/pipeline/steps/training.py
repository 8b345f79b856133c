"""TrainingStep with the built-in XGBoost estimator, taking SageMaker's hyperparameter names.

An estimator may name the SageMaker XGBoost image it was written for (`image_uri`): the
built-in trainer then writes the model as that image did (a pickled booster as well, before
1.3-1). Any other image is refused when the estimator is made. `output_path` is a folder
where the job's model.tar.gz is published too, as `<output_path>/<job>/output/model.tar.gz`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from batchops.pipeline.images import check_training_image
from batchops.pipeline.steps.base import Step, dict_of
from batchops.pipeline.steps.types import StepType


@dataclass(frozen=True)
class TrainingInput:
    """A channel: a file or folder of headerless CSV with the target in the first column."""

    s3_data: Any
    content_type: str = "text/csv"


@dataclass
class XGBoost:
    """The built-in XGBoost estimator (binary:logistic, num_round, max_depth, eta, ...)."""

    hyperparameters: dict[str, Any] = field(default_factory=dict)
    image_uri: str | None = None
    """The SageMaker XGBoost image the job was written for; None: batchops's own format."""
    output_path: Any = None
    """A folder (local or fsspec URL) where model.tar.gz is published too."""

    def __post_init__(self) -> None:
        if self.image_uri is not None:
            check_training_image(self.image_uri)

    def set_hyperparameters(self, **values: Any) -> None:
        self.hyperparameters.update(values)


@dataclass(frozen=True)
class TrainingChannel:
    """A named input of the training job, as stored."""

    name: str
    data_uri: Any
    content_type: str = "text/csv"

    def to_json(self) -> dict[str, Any]:
        return {
            "ChannelName": self.name,
            "DataUri": self.data_uri,
            "ContentType": self.content_type,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> TrainingChannel:
        return cls(data["ChannelName"], data["DataUri"], data.get("ContentType", "text/csv"))


@dataclass(frozen=True)
class TrainingArguments:
    algorithm: str | None = "xgboost"
    hyperparameters: Mapping[str, Any] = field(default_factory=dict)
    channels: tuple[TrainingChannel, ...] = ()
    image_uri: str | None = None
    output_path: Any = None

    def to_json(self) -> dict[str, Any]:
        algorithm: dict[str, Any] = {"Algorithm": self.algorithm}
        if self.image_uri is not None:
            algorithm["TrainingImage"] = self.image_uri
        data: dict[str, Any] = {
            "AlgorithmSpecification": algorithm,
            "HyperParameters": dict(self.hyperparameters),
            "InputDataConfig": [c.to_json() for c in self.channels],
        }
        if self.output_path is not None:
            data["OutputDataConfig"] = {"S3OutputPath": self.output_path}
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> TrainingArguments:
        algorithm = data.get("AlgorithmSpecification") or {}
        return cls(
            algorithm.get("Algorithm"),
            dict_of(data.get("HyperParameters")),
            tuple(TrainingChannel.from_json(c) for c in data.get("InputDataConfig") or ()),
            algorithm.get("TrainingImage"),
            (data.get("OutputDataConfig") or {}).get("S3OutputPath"),
        )


class TrainingStep(Step):
    step_type = StepType.TRAINING

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

    def arguments(self) -> TrainingArguments:
        return TrainingArguments(
            "xgboost",
            dict(self.estimator.hyperparameters),
            tuple(TrainingChannel(k, v.s3_data, v.content_type) for k, v in self.inputs.items()),
            self.estimator.image_uri,
            self.estimator.output_path,
        )
