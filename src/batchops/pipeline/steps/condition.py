"""ConditionStep (run one branch or the other) and FailStep (stop the execution with a message)."""

from __future__ import annotations

from typing import Any

from batchops.pipeline.conditions import Condition
from batchops.pipeline.steps.base import Step


class ConditionStep(Step):
    step_type = "Condition"

    def __init__(
        self,
        name: str,
        *,
        conditions: list[Condition],
        if_steps: list[Step] | None = None,
        else_steps: list[Step] | None = None,
        **common: Any,
    ) -> None:
        super().__init__(name, **common)
        self.conditions = list(conditions)
        self.if_steps = list(if_steps or [])
        self.else_steps = list(else_steps or [])

    def child_steps(self) -> list[Step]:
        return [*self.if_steps, *self.else_steps]

    def arguments(self) -> dict[str, Any]:
        return {
            "Conditions": [c.to_json() for c in self.conditions],
            "IfSteps": [s.name for s in self.if_steps],
            "ElseSteps": [s.name for s in self.else_steps],
        }


class FailStep(Step):
    step_type = "Fail"

    def __init__(self, name: str, *, error_message: Any = "", **common: Any) -> None:
        super().__init__(name, **common)
        self.error_message = error_message

    def arguments(self) -> dict[str, Any]:
        return {"ErrorMessage": self.error_message}
