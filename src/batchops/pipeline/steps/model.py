"""CreateModel: a named model (an image and its model data), as SageMaker's Model step makes one.

A transform can then score "by model name" (SageMaker's `Transformer(model_name=...)`). The
step's runner records the model and publishes its `ModelName`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from batchops.pipeline.steps.base import Step, dict_of
from batchops.pipeline.steps.types import StepType


@dataclass(frozen=True)
class ModelArguments:
    """The model's container, in SageMaker's CreateModel names."""

    image_uri: Any
    model_data: Any = None
    environment: Mapping[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "Image": self.image_uri,
            "ModelDataUrl": self.model_data,
            "Environment": dict(self.environment),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ModelArguments:
        return cls(data["Image"], data.get("ModelDataUrl"), dict_of(data.get("Environment")))


class CreateModel(Step):
    step_type = StepType.MODEL

    def __init__(
        self,
        name: str,
        *,
        image_uri: Any,
        model_data: Any = None,
        environment: dict[str, Any] | None = None,
        **common: Any,
    ) -> None:
        super().__init__(name, **common)
        self.image_uri = image_uri
        self.model_data = model_data
        self.environment = dict(environment or {})

    def arguments(self) -> ModelArguments:
        return ModelArguments(self.image_uri, self.model_data, dict(self.environment))
