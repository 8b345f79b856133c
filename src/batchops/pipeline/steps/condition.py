"""ConditionStep (run one branch or the other) and FailStep (stop the execution with a message)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from batchops.pipeline.conditions import Condition, condition_from_json
from batchops.pipeline.steps.base import Step, tuple_of
from batchops.pipeline.steps.types import StepType


@dataclass(frozen=True)
class ConditionArguments:
    """The conditions (all must hold) and the names of the steps on each branch."""

    conditions: tuple[Condition, ...]
    if_steps: tuple[str, ...] = ()
    else_steps: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "Conditions": [c.to_json() for c in self.conditions],
            "IfSteps": list(self.if_steps),
            "ElseSteps": list(self.else_steps),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ConditionArguments:
        return cls(
            tuple(condition_from_json(c) for c in data.get("Conditions", [])),
            tuple_of(data.get("IfSteps")),
            tuple_of(data.get("ElseSteps")),
        )


@dataclass(frozen=True)
class FailArguments:
    error_message: Any = ""

    def to_json(self) -> dict[str, Any]:
        return {"ErrorMessage": self.error_message}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> FailArguments:
        return cls(data.get("ErrorMessage", ""))


class ConditionStep(Step):
    step_type = StepType.CONDITION

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

    def arguments(self) -> ConditionArguments:
        return ConditionArguments(
            tuple(self.conditions),
            tuple(s.name for s in self.if_steps),
            tuple(s.name for s in self.else_steps),
        )


class FailStep(Step):
    step_type = StepType.FAIL

    def __init__(self, name: str, *, error_message: Any = "", **common: Any) -> None:
        super().__init__(name, **common)
        self.error_message = error_message

    def arguments(self) -> FailArguments:
        return FailArguments(self.error_message)
