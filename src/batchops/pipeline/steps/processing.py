"""ProcessingStep: a Python script run in its own process, inputs and outputs as directories.

The script finds its directories under `$BATCHOPS_PROCESSING_DIR`, which stands where
SageMaker mounts `/opt/ml/processing`; a script that reads
`os.environ.get("BATCHOPS_PROCESSING_DIR", "/opt/ml/processing")` runs unchanged on both.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from batchops.errors import InvalidInput
from batchops.pipeline.references import PropertyFile
from batchops.pipeline.steps.base import Step

SAGEMAKER_PROCESSING_ROOT = "/opt/ml/processing"


def _relative_destination(path: str) -> str:
    """Where a SageMaker-style path lands inside the step's working directory."""
    clean = (
        path[len(SAGEMAKER_PROCESSING_ROOT) :]
        if path.startswith(SAGEMAKER_PROCESSING_ROOT)
        else path
    )
    clean = clean.strip("/")
    if not clean or ".." in Path(clean).parts:
        raise InvalidInput(f"processing path {path!r} must name a directory below the job's root")
    return clean


@dataclass(frozen=True)
class ProcessingInput:
    source: Any
    destination: str
    input_name: str | None = None

    def to_arguments(self) -> dict[str, Any]:
        name = self.input_name or _relative_destination(self.destination).replace("/", "-")
        return {
            "InputName": name,
            "Source": self.source,
            "Destination": _relative_destination(self.destination),
        }


@dataclass(frozen=True)
class ProcessingOutput:
    output_name: str
    source: str

    def to_arguments(self) -> dict[str, Any]:
        return {"OutputName": self.output_name, "Source": _relative_destination(self.source)}


class ProcessingStep(Step):
    step_type = "Processing"

    def __init__(
        self,
        name: str,
        *,
        code: str | Path,
        inputs: list[ProcessingInput] | None = None,
        outputs: list[ProcessingOutput] | None = None,
        job_arguments: list[Any] | None = None,
        property_files: list[PropertyFile] | None = None,
        environment: dict[str, Any] | None = None,
        **common: Any,
    ) -> None:
        super().__init__(name, **common)
        self.code = str(Path(code).resolve())
        self.inputs = list(inputs or [])
        self.outputs = list(outputs or [])
        self.job_arguments = list(job_arguments or [])
        self.property_files = list(property_files or [])
        self.environment = dict(environment or {})
        names = [o.output_name for o in self.outputs]
        if len(set(names)) != len(names):
            raise InvalidInput(f"step {name!r}: output names must be unique, got {names}")
        for pf in self.property_files:
            if pf.output_name not in names:
                raise InvalidInput(
                    f"step {name!r}: property file {pf.name!r} names unknown output "
                    f"{pf.output_name!r}"
                )

    def arguments(self) -> dict[str, Any]:
        return {
            "Code": self.code,
            "Inputs": [i.to_arguments() for i in self.inputs],
            "Outputs": [o.to_arguments() for o in self.outputs],
            "ContainerArguments": self.job_arguments,
            "Environment": self.environment,
            "PropertyFiles": [pf.to_json() for pf in self.property_files],
        }
