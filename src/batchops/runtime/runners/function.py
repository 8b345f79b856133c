"""Runs a FunctionStep: call the function with its resolved inputs, publish its outputs."""

from __future__ import annotations

import json

from batchops.errors import InvalidInput
from batchops.pipeline.graph import StepNode
from batchops.pipeline.steps.function import FunctionArguments, load_function
from batchops.runtime.context import StepContext, StepOutcome


def run_function(node: StepNode, context: StepContext) -> StepOutcome:
    args = FunctionArguments.from_json(context.arguments(node))
    function = load_function(args.function, args.code)
    context.log(f"calling {args.function} with {json.dumps(dict(args.inputs), default=str)}")
    result = function(**args.inputs)
    declared = list(args.outputs)
    if declared and not isinstance(result, dict):
        raise InvalidInput(f"step {node.name}: {args.function} must return a dict of {declared}")
    missing = [name for name in declared if name not in (result or {})]
    if missing:
        raise InvalidInput(f"step {node.name}: {args.function} did not return {missing}")
    outputs = {name: result[name] for name in declared}
    context.log(f"outputs: {json.dumps(outputs, default=str)}")
    return StepOutcome(properties={"Outputs": json.loads(json.dumps(outputs, default=str))})
