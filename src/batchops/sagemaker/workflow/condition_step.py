"""`ConditionStep`: run `if_steps` when every condition holds, else `else_steps` (either may
hold step collections, which stand for their steps)."""

from __future__ import annotations

from typing import Any

from batchops.pipeline.steps import condition as _condition
from batchops.pipeline.steps.base import Step as BatchopsStep
from batchops.sagemaker.workflow._compile import Compilation
from batchops.sagemaker.workflow.functions import JsonGet
from batchops.sagemaker.workflow.steps import Step, StepTypeEnum


class ConditionStep(Step):
    step_type = StepTypeEnum.CONDITION

    def __init__(
        self,
        name: str,
        depends_on: list[Any] | None = None,
        display_name: str | None = None,
        description: str | None = None,
        conditions: list[Any] | None = None,
        if_steps: list[Any] | None = None,
        else_steps: list[Any] | None = None,
    ) -> None:
        super().__init__(name, display_name, description, depends_on)
        self.conditions = list(conditions or [])
        self.if_steps = list(if_steps or [])
        self.else_steps = list(else_steps or [])

    def _compile(self, compilation: Compilation) -> BatchopsStep:
        return _condition.ConditionStep(
            self.name,
            conditions=self.conditions,
            if_steps=compilation.steps_of(self.if_steps),
            else_steps=compilation.steps_of(self.else_steps),
            **self._common(compilation),
        )


__all__ = ["ConditionStep", "JsonGet"]
