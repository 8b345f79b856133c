"""Runs a ProcessingStep: stage inputs, run the script in its own process, publish outputs.

The three happen in one job (`process`), on this host or on a Dask worker: inputs are staged
from the artifact store into the job's folder and its outputs published back from there.
"""

from __future__ import annotations

import sys

from batchops.errors import BatchopsError, InvalidInput
from batchops.pipeline.graph import StepNode
from batchops.pipeline.steps.processing import ProcessingArguments
from batchops.runtime.context import StepContext, StepOutcome, Workspace
from batchops.runtime.runners.staging import child_environment, run_process, stage
from batchops.store import artifacts
from batchops.store.code_snapshots import code_location, local_code


def run_processing(node: StepNode, context: StepContext) -> StepOutcome:
    args = ProcessingArguments.from_json(context.arguments(node))
    try:
        location = code_location(args.code)
    except BatchopsError as error:
        raise type(error)(f"step {node.name}: {error}") from None
    outputs = context.on_worker(process, args, location)
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
            "ProcessingInputs": {staged.input_name: str(staged.source) for staged in args.inputs},
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


def process(workspace: Workspace, args: ProcessingArguments, location: str) -> dict[str, str]:
    """Stage the inputs, run the script at `location`, publish the outputs: their URIs."""
    try:
        code = local_code(args.code, location)
    except BatchopsError as error:
        raise type(error)(f"step {workspace.step_name}: {error}") from None
    root = workspace.work_dir
    for staged in args.inputs:
        stage(str(staged.source), root / staged.destination)
    for output in args.outputs:
        (root / output.source).mkdir(parents=True, exist_ok=True)
    environment = {str(k): str(v) for k, v in args.environment.items()}
    run_process(
        [sys.executable, str(code), *map(str, args.container_arguments)],
        workspace,
        env=child_environment({**environment, "BATCHOPS_PROCESSING_DIR": str(root)}),
        cwd=root,
    )
    return {
        output.output_name: workspace.publish(root / output.source, output.output_name)
        for output in args.outputs
    }
