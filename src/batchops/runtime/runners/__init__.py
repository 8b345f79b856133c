"""One runner per step type: `run(node, context) -> StepOutcome`, found in `RUNNERS`.

Each runner reads its step's arguments through the dataclass its step writes them with
(`batchops.pipeline.steps`), so a step and its runner cannot disagree on a key's name.
The heavy libraries a runner needs are imported inside it, when a step of its type runs.
"""

from __future__ import annotations

from collections.abc import Callable

from batchops.errors import InvalidInput
from batchops.pipeline.graph import StepNode
from batchops.pipeline.steps.types import StepType
from batchops.runtime.context import StepContext, StepOutcome
from batchops.runtime.runners.condition import run_condition, run_fail
from batchops.runtime.runners.function import run_function
from batchops.runtime.runners.lambda_function import run_lambda
from batchops.runtime.runners.model import run_model
from batchops.runtime.runners.processing import run_processing
from batchops.runtime.runners.quality_check import run_quality_check
from batchops.runtime.runners.register import run_register_model
from batchops.runtime.runners.training import run_training
from batchops.runtime.runners.transform import run_monitor_batch_transform, run_transform

Runner = Callable[[StepNode, StepContext], StepOutcome]

RUNNERS: dict[StepType, Runner] = {
    StepType.PROCESSING: run_processing,
    StepType.TRAINING: run_training,
    StepType.CONDITION: run_condition,
    StepType.FAIL: run_fail,
    StepType.QUALITY_CHECK: run_quality_check,
    StepType.REGISTER_MODEL: run_register_model,
    StepType.FUNCTION: run_function,
    StepType.TRANSFORM: run_transform,
    StepType.MONITOR_BATCH_TRANSFORM: run_monitor_batch_transform,
    StepType.MODEL: run_model,
    StepType.LAMBDA: run_lambda,
}


def runner_for(step_type: str) -> Runner:
    """The runner of a stored step's type; unknown types (a newer definition) are refused."""
    known = ", ".join(sorted(RUNNERS))
    try:
        return RUNNERS[StepType(step_type)]
    except ValueError:
        raise InvalidInput(f"unknown step type {step_type!r}; known: {known}") from None
