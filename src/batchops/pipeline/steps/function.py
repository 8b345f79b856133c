"""FunctionStep: a Python callable as a step, the local counterpart of SageMaker's LambdaStep.

The callable is stored by import path ("package.module:function"), so the definition stays
plain JSON and the runtime can call it from a stored version. It receives the resolved
inputs as keyword arguments and returns a dict holding every declared output.

Given `code` (the Python file that defines the function), the file travels with the
definition as a snapshot by digest, as a ProcessingStep's script does, and the runner loads
the function from those bytes: the host that runs it needs batchops and the libraries the
file imports, not the package the pipeline was written in (a project's pipelines, applied to
a server by `batchops apply`, run so). Such a file imports only installed packages.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from batchops.errors import InvalidInput
from batchops.pipeline.steps.base import Step, dict_of, tuple_of
from batchops.pipeline.steps.types import StepType
from batchops.store.code_snapshots import CodeSnapshot, local_code, read_snapshot


def import_path(function: Callable[..., Any] | str) -> str:
    if isinstance(function, str):
        return function
    module, qualname = getattr(function, "__module__", None), getattr(function, "__qualname__", "")
    if not module or "<" in qualname or module == "__main__":
        raise InvalidInput(
            f"FunctionStep needs an importable module-level function, got {function!r}"
        )
    return f"{module}:{qualname}"


def load_function(path: str, code: str | None = None) -> Callable[..., Any]:
    """The function at import path `path`; with `code` (a snapshot reference), the function
    of that name in the snapshot's file instead."""
    module_name, _, qualname = path.partition(":")
    try:
        target: Any = (
            importlib.import_module(module_name) if code is None else _snapshot_module(code)
        )
        for part in qualname.split("."):
            target = getattr(target, part)
    except (ImportError, AttributeError) as error:
        raise InvalidInput(f"cannot import function {path!r}: {error}") from error
    if not callable(target):
        raise InvalidInput(f"{path!r} is not callable")
    return target


def _snapshot_module(code: str) -> Any:
    """The module a code snapshot holds, executed once per process (named by its digest)."""
    file = local_code(code)
    name = "batchops_code_" + code.split("/")[1][:32]
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, file)
    if spec is None or spec.loader is None:
        raise InvalidInput(f"code {code} is not a Python file")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[name]
        raise
    return module


@dataclass(frozen=True)
class FunctionArguments:
    """The callable's import path, its keyword inputs, the names it must return, and the
    snapshot of the file defining it (None: imported by its path where it runs)."""

    function: str
    inputs: Mapping[str, Any] = field(default_factory=dict)
    outputs: tuple[str, ...] = ()
    code: str | None = None

    def to_json(self) -> dict[str, Any]:
        found = {
            "Function": self.function,
            "Inputs": dict(self.inputs),
            "Outputs": list(self.outputs),
        }
        return found if self.code is None else {**found, "Code": self.code}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> FunctionArguments:
        return cls(
            data["Function"],
            dict_of(data.get("Inputs")),
            tuple_of(data.get("Outputs")),
            data.get("Code"),
        )


class FunctionStep(Step):
    step_type = StepType.FUNCTION

    def __init__(
        self,
        name: str,
        *,
        function: Callable[..., Any] | str,
        inputs: dict[str, Any] | None = None,
        outputs: list[str] | None = None,
        code: str | Path | None = None,
        **common: Any,
    ) -> None:
        super().__init__(name, **common)
        self.function = import_path(function)
        self.inputs = dict(inputs or {})
        self.outputs = list(outputs or [])
        self.snapshot = None if code is None else read_snapshot(code)
        if self.snapshot is not None and not self.snapshot.name.endswith(".py"):
            raise InvalidInput(f"step {name}: `code` {code} must be a Python file (.py)")

    def code_snapshots(self) -> list[CodeSnapshot]:
        return [] if self.snapshot is None else [self.snapshot]

    def arguments(self) -> FunctionArguments:
        return FunctionArguments(
            self.function,
            dict(self.inputs),
            tuple(self.outputs),
            None if self.snapshot is None else self.snapshot.reference,
        )
