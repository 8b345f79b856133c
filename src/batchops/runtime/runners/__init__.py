"""One runner per step type: `run(node, context) -> StepOutcome`, imported only when used."""

from __future__ import annotations

import importlib
from collections.abc import Callable

from batchops.errors import InvalidInput
from batchops.pipeline.graph import StepNode
from batchops.runtime.context import StepContext, StepOutcome

Runner = Callable[[StepNode, StepContext], StepOutcome]

_MODULES = {
    "Processing": "processing",
    "Training": "training",
    "Condition": "condition",
    "Fail": "condition",
    "QualityCheck": "quality_check",
    "RegisterModel": "register",
    "Function": "function",
    "Transform": "transform",
    "MonitorBatchTransform": "transform",
}


def runner_for(step_type: str) -> Runner:
    module_name = _MODULES.get(step_type)
    if module_name is None:
        raise InvalidInput(f"unknown step type {step_type!r}; known: {', '.join(sorted(_MODULES))}")
    module = importlib.import_module(f"batchops.runtime.runners.{module_name}")
    return getattr(module, f"run_{step_type.lower()}")
