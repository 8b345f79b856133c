"""Runs a LambdaStep: the handler file in its own process with the declared timeout, its
outputs typed as declared and published as `OutputParameters.<name>`.

The process finds batchops's `boto3`/`botocore` stand-ins first on its path, so the
function's `boto3.client("sagemaker")` is served by batchops's registry (never AWS), and the
model versions it describes are recorded as used by this execution.
"""

from __future__ import annotations

import json
import os
import sys
from importlib.resources import files
from typing import Any

from batchops.errors import InvalidInput
from batchops.pipeline.graph import StepNode
from batchops.pipeline.steps.lambda_function import LambdaArguments, LambdaOutput
from batchops.runtime.context import StepContext, StepFailed, StepOutcome, flag
from batchops.runtime.runners.staging import child_environment, run_process
from batchops.store import artifacts


def _standins() -> str:
    """The folder holding batchops's `boto3` and `botocore` stand-ins."""
    return str(files("batchops") / "sagemaker" / "_standins")


def _typed(output: LambdaOutput, value: Any, step: str) -> Any:
    try:
        if output.output_type == "Integer":
            return int(value)
        if output.output_type == "Float":
            return float(value)
        if output.output_type == "Boolean":
            return value if isinstance(value, bool) else flag(value)
    except (TypeError, ValueError):
        raise InvalidInput(
            f"step {step}: output {output.name}={value!r} is not {output.output_type}"
        ) from None
    return value if isinstance(value, str) else json.dumps(value, default=str)


def run_lambda(node: StepNode, context: StepContext) -> StepOutcome:
    args = LambdaArguments.from_json(context.arguments(node))
    module = args.handler.rpartition(".")[0]
    code = context.work_dir / "code"
    code.mkdir(parents=True, exist_ok=True)
    (code / f"{module}.py").write_bytes(artifacts.read_bytes(str(args.script)))
    result = context.work_dir / "result.json"
    result.unlink(missing_ok=True)
    path = os.pathsep.join(p for p in (_standins(), os.environ.get("PYTHONPATH", "")) if p)
    env = child_environment(
        {
            "PYTHONPATH": path,
            "BATCHOPS_EXECUTION_ID": context.execution_id,
            "BATCHOPS_STEP_NAME": context.step_name,
            "AWS_LAMBDA_FUNCTION_NAME": args.function_name,
        }
    )
    command = [
        sys.executable,
        "-m",
        "batchops.sagemaker._lambda_runtime",
        "--code",
        str(code),
        "--handler",
        args.handler,
        "--event",
        json.dumps(dict(args.inputs), default=str),
        "--result",
        str(result),
        "--timeout",
        str(args.timeout_seconds),
        "--function-name",
        args.function_name,
        "--function-arn",
        args.function_arn or "",
    ]
    run_process(command, context, env=env, cwd=code, program=args.handler)
    returned = json.loads(result.read_text())
    return StepOutcome(properties={"OutputParameters": _outputs(args, returned, node.name)})


def _outputs(args: LambdaArguments, returned: Any, step: str) -> dict[str, Any]:
    if args.outputs and not isinstance(returned, dict):
        raise StepFailed(
            f"step {step}: {args.handler} returned {type(returned).__name__}, not a dict"
        )
    missing = [o.name for o in args.outputs if o.name not in returned]
    if missing:
        raise StepFailed(f"step {step}: {args.handler} did not return {missing}")
    return {o.name: _typed(o, returned[o.name], step) for o in args.outputs}


__all__ = ["run_lambda"]
