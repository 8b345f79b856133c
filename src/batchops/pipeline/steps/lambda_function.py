"""LambdaStep: a handler in a Python file, called as AWS Lambda calls it, `handler(event, context)`.

Unlike `FunctionStep` (an importable function of an installed package), the handler's file is
snapshotted into the artifact store when the pipeline is stored, as SageMaker deploys a Lambda
function, so the stored definition runs without the notebook that wrote the file. The step's
runner publishes the declared outputs as `OutputParameters.<name>`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from batchops.pipeline.steps.base import Step, dict_of
from batchops.pipeline.steps.types import StepType

LAMBDA_OUTPUT_TYPES = ("String", "Integer", "Boolean", "Float")


@dataclass(frozen=True)
class LambdaOutput:
    name: str
    output_type: str = "String"

    def to_json(self) -> dict[str, Any]:
        return {"OutputName": self.name, "OutputType": self.output_type}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> LambdaOutput:
        return cls(data["OutputName"], data.get("OutputType", "String"))


@dataclass(frozen=True)
class LambdaArguments:
    """The function (its script's snapshot, a `module.function` handler), its event and outputs."""

    function_name: str
    script: Any
    handler: str
    function_arn: str | None = None
    timeout_seconds: int = 120
    inputs: Mapping[str, Any] = field(default_factory=dict)
    outputs: tuple[LambdaOutput, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "FunctionName": self.function_name,
            "FunctionArn": self.function_arn,
            "Script": self.script,
            "Handler": self.handler,
            "Timeout": self.timeout_seconds,
            "Inputs": dict(self.inputs),
            "OutputParameters": [o.to_json() for o in self.outputs],
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> LambdaArguments:
        return cls(
            function_name=data["FunctionName"],
            script=data["Script"],
            handler=data["Handler"],
            function_arn=data.get("FunctionArn"),
            timeout_seconds=int(data.get("Timeout", 120)),
            inputs=dict_of(data.get("Inputs")),
            outputs=tuple(LambdaOutput.from_json(o) for o in data.get("OutputParameters") or ()),
        )


class LambdaStep(Step):
    step_type = StepType.LAMBDA

    def __init__(self, name: str, *, arguments: LambdaArguments, **common: Any) -> None:
        super().__init__(name, **common)
        self._lambda = arguments

    def arguments(self) -> LambdaArguments:
        return self._lambda
