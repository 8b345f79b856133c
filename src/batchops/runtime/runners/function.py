"""Runs a FunctionStep: call the function with its resolved inputs, publish its outputs."""

from __future__ import annotations

import json

from batchops.errors import InvalidInput
from batchops.pipeline.graph import StepNode
from batchops.pipeline.steps.function import load_function
from batchops.runtime.context import StepContext, StepOutcome


def run_function(node: StepNode, context: StepContext) -> StepOutcome:
    args = context.resolve(node.arguments)
    function = load_function(args["Function"])
    context.log(
        f"calling {args['Function']} with {json.dumps(args.get('Inputs', {}), default=str)}"
    )
    result = function(**args.get("Inputs", {}))
    declared = list(args.get("Outputs", []))
    if declared and not isinstance(result, dict):
        raise InvalidInput(f"step {node.name}: {args['Function']} must return a dict of {declared}")
    missing = [name for name in declared if name not in (result or {})]
    if missing:
        raise InvalidInput(f"step {node.name}: {args['Function']} did not return {missing}")
    outputs = {name: result[name] for name in declared}
    context.log(f"outputs: {json.dumps(outputs, default=str)}")
    return StepOutcome(properties={"Outputs": json.loads(json.dumps(outputs, default=str))})
