"""Runs a ProcessingStep: stage inputs, run the script in its own process, publish outputs."""

from __future__ import annotations

import sys
from pathlib import Path

from batchops.errors import InvalidInput
from batchops.pipeline.graph import StepNode
from batchops.runtime.context import StepContext, StepOutcome
from batchops.runtime.runners.staging import child_environment, run_process, stage
from batchops.store import artifacts


def run_processing(node: StepNode, context: StepContext) -> StepOutcome:
    args = context.resolve(node.arguments)
    code = Path(args["Code"])
    if not code.is_file():
        raise InvalidInput(f"step {node.name}: script {code} does not exist")
    root = context.work_dir
    inputs: dict[str, str] = {}
    for spec in args.get("Inputs", []):
        source = str(spec["Source"])
        stage(source, root / spec["Destination"])
        inputs[spec["InputName"]] = source
    for spec in args.get("Outputs", []):
        (root / spec["Source"]).mkdir(parents=True, exist_ok=True)
    environment = {str(k): str(v) for k, v in args.get("Environment", {}).items()}
    run_process(
        [sys.executable, str(code), *map(str, args.get("ContainerArguments", []))],
        context,
        env=child_environment({**environment, "BATCHOPS_PROCESSING_DIR": str(root)}),
        cwd=root,
    )
    outputs: dict[str, str] = {}
    for spec in args.get("Outputs", []):
        outputs[spec["OutputName"]] = context.publish(root / spec["Source"], spec["OutputName"])
    property_files = {}
    for pf in args.get("PropertyFiles", []):
        uri = artifacts.join(outputs[pf["OutputName"]], pf["FilePath"])
        if not artifacts.exists(uri):
            raise InvalidInput(
                f"step {node.name}: the script wrote no property file {pf['FilePath']!r} "
                f"into output {pf['OutputName']!r}"
            )
        property_files[pf["PropertyFileName"]] = uri
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
