"""FunctionStep: a Python callable as a step, the local counterpart of SageMaker's LambdaStep.

The callable is stored by import path ("package.module:function"), so the definition stays
plain JSON and the runtime can call it from a stored version. It receives the resolved
inputs as keyword arguments and returns a dict holding every declared output.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from batchops.errors import InvalidInput
from batchops.pipeline.steps.base import Step, dict_of, tuple_of
from batchops.pipeline.steps.types import StepType


def import_path(function: Callable[..., Any] | str) -> str:
    if isinstance(function, str):
        return function
    module, qualname = getattr(function, "__module__", None), getattr(function, "__qualname__", "")
    if not module or "<" in qualname or module == "__main__":
        raise InvalidInput(
            f"FunctionStep needs an importable module-level function, got {function!r}"
        )
    return f"{module}:{qualname}"


def load_function(path: str) -> Callable[..., Any]:
    module_name, _, qualname = path.partition(":")
    try:
        target: Any = importlib.import_module(module_name)
        for part in qualname.split("."):
            target = getattr(target, part)
    except (ImportError, AttributeError) as error:
        raise InvalidInput(f"cannot import function {path!r}: {error}") from error
    if not callable(target):
        raise InvalidInput(f"{path!r} is not callable")
    return target


@dataclass(frozen=True)
class FunctionArguments:
    """The callable's import path, its keyword inputs, and the names it must return."""

    function: str
    inputs: Mapping[str, Any] = field(default_factory=dict)
    outputs: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "Function": self.function,
            "Inputs": dict(self.inputs),
            "Outputs": list(self.outputs),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> FunctionArguments:
        return cls(data["Function"], dict_of(data.get("Inputs")), tuple_of(data.get("Outputs")))


class FunctionStep(Step):
    step_type = StepType.FUNCTION

    def __init__(
        self,
        name: str,
        *,
        function: Callable[..., Any] | str,
        inputs: dict[str, Any] | None = None,
        outputs: list[str] | None = None,
        **common: Any,
    ) -> None:
        super().__init__(name, **common)
        self.function = import_path(function)
        self.inputs = dict(inputs or {})
        self.outputs = list(outputs or [])

    def arguments(self) -> FunctionArguments:
        return FunctionArguments(self.function, dict(self.inputs), tuple(self.outputs))
