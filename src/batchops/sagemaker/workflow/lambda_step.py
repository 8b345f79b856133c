"""`LambdaStep`: call a `Lambda` with `inputs` as its event; its declared outputs are the
step's properties (`step.properties.Outputs["name"]`)."""

from __future__ import annotations

from enum import Enum
from typing import Any

from batchops.errors import InvalidInput
from batchops.pipeline.steps import lambda_function as _lambda
from batchops.pipeline.steps.base import CacheConfig
from batchops.pipeline.steps.base import Step as BatchopsStep
from batchops.sagemaker.lambda_helper import Lambda
from batchops.sagemaker.workflow._compile import Compilation
from batchops.sagemaker.workflow.properties import Properties
from batchops.sagemaker.workflow.steps import Step, StepTypeEnum


class LambdaOutputTypeEnum(Enum):
    String = "String"
    Integer = "Integer"
    Boolean = "Boolean"
    Float = "Float"


class LambdaOutput:
    def __init__(
        self,
        output_name: str | None = None,
        output_type: LambdaOutputTypeEnum = LambdaOutputTypeEnum.String,
    ) -> None:
        if not output_name:
            raise InvalidInput("LambdaOutput needs output_name")
        self.output_name = output_name
        self.output_type = LambdaOutputTypeEnum(output_type)

    def to_batchops(self) -> _lambda.LambdaOutput:
        return _lambda.LambdaOutput(self.output_name, self.output_type.value)


class _LambdaProperties:
    """`step.properties.Outputs["name"]`: the value the function returned under that name."""

    def __init__(self, step_name: str) -> None:
        self.Outputs = Properties(step_name, ("OutputParameters",))


class LambdaStep(Step):
    step_type = StepTypeEnum.LAMBDA

    def __init__(
        self,
        name: str,
        lambda_func: Lambda,
        display_name: str | None = None,
        description: str | None = None,
        inputs: dict[str, Any] | None = None,
        outputs: list[LambdaOutput] | None = None,
        cache_config: CacheConfig | None = None,
        depends_on: list[Any] | None = None,
    ) -> None:
        super().__init__(name, display_name, description, depends_on)
        if not isinstance(lambda_func, Lambda):
            raise InvalidInput(f"{name}: lambda_func must be a Lambda")
        self.lambda_func = lambda_func
        self.inputs = dict(inputs or {})
        self.outputs = list(outputs or [])
        self.cache_config = cache_config

    @property
    def properties(self) -> Any:
        return _LambdaProperties(self.name)

    def _compile(self, compilation: Compilation) -> BatchopsStep:
        function = self.lambda_func
        arguments = _lambda.LambdaArguments(
            function_name=str(function.function_name),
            script=compilation.snapshot(function.script, "lambda"),
            handler=str(function.handler),
            function_arn=function.upsert()["FunctionArn"],
            timeout_seconds=function.timeout,
            inputs=dict(self.inputs),
            outputs=tuple(output.to_batchops() for output in self.outputs),
        )
        return _lambda.LambdaStep(
            self.name,
            arguments=arguments,
            **self._common(compilation, cache_config=self.cache_config),
        )

    def _ignored(self) -> list[str]:
        function = self.lambda_func
        ignored = ["execution_role_arn"] if function.execution_role_arn else []
        return [*super()._ignored(), *ignored]


__all__ = ["LambdaOutput", "LambdaOutputTypeEnum", "LambdaStep"]
