"""Runs a ProcessingStep: stage inputs, run the script in its own process, publish outputs."""

from __future__ import annotations

import sys

from batchops.errors import BatchopsError, InvalidInput
from batchops.pipeline.graph import StepNode
from batchops.pipeline.steps.processing import ProcessingArguments
from batchops.runtime.context import StepContext, StepOutcome
from batchops.runtime.runners.staging import child_environment, run_process, stage
from batchops.store import artifacts
from batchops.store.code_snapshots import local_code


def run_processing(node: StepNode, context: StepContext) -> StepOutcome:
    args = ProcessingArguments.from_json(context.arguments(node))
    try:
        code = local_code(args.code)
    except BatchopsError as error:
        raise type(error)(f"step {node.name}: {error}") from None
    root = context.work_dir
    inputs: dict[str, str] = {}
    for staged in args.inputs:
        source = str(staged.source)
        stage(source, root / staged.destination)
        inputs[staged.input_name] = source
    for output in args.outputs:
        (root / output.source).mkdir(parents=True, exist_ok=True)
    environment = {str(k): str(v) for k, v in args.environment.items()}
    run_process(
        [sys.executable, str(code), *map(str, args.container_arguments)],
        context,
        env=child_environment({**environment, "BATCHOPS_PROCESSING_DIR": str(root)}),
        cwd=root,
    )
    outputs: dict[str, str] = {}
    for output in args.outputs:
        outputs[output.output_name] = context.publish(root / output.source, output.output_name)
    property_files = {}
    for pf in args.property_files:
        uri = artifacts.join(outputs[pf.output_name], pf.path)
        if not artifacts.exists(uri):
            raise InvalidInput(
                f"step {node.name}: the script wrote no property file {pf.path!r} "
                f"into output {pf.output_name!r}"
            )
        property_files[pf.name] = uri
    return StepOutcome(
        properties={
            "ProcessingJobStatus": "Completed",
            "ProcessingInputs": inputs,
            "ProcessingOutputConfig": {
                "Outputs": {
                    name: {"OutputName": name, "S3Output": {"S3Uri": uri}}
                    for name, uri in outputs.items()
                }
            },
            "PropertyFiles": property_files,
        },
        outputs=outputs,
    )
