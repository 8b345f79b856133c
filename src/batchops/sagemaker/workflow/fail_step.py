"""`FailStep`: end the execution Failed with `error_message` (text, or a Join of values)."""

from __future__ import annotations

from typing import Any

from batchops.pipeline.steps import condition as _condition
from batchops.pipeline.steps.base import Step as BatchopsStep
from batchops.sagemaker.workflow._compile import Compilation
from batchops.sagemaker.workflow.steps import Step, StepTypeEnum


class FailStep(Step):
    step_type = StepTypeEnum.FAIL

    def __init__(
        self,
        name: str,
        error_message: Any = None,
        display_name: str | None = None,
        description: str | None = None,
        depends_on: list[Any] | None = None,
    ) -> None:
        super().__init__(name, display_name, description, depends_on)
        self.error_message = error_message

    def _compile(self, compilation: Compilation) -> BatchopsStep:
        message = self.error_message if self.error_message is not None else ""
        return _condition.FailStep(self.name, error_message=message, **self._common(compilation))


__all__ = ["FailStep"]
