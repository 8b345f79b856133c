"""ProcessingStep: a Python script run in its own process, inputs and outputs as directories.

The script finds its directories under `$BATCHOPS_PROCESSING_DIR`, which stands where
SageMaker mounts `/opt/ml/processing`; a script that reads
`os.environ.get("BATCHOPS_PROCESSING_DIR", "/opt/ml/processing")` runs unchanged on both.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from batchops.errors import InvalidInput
from batchops.pipeline.references import PropertyFile
from batchops.pipeline.steps.base import Step, dict_of, tuple_of
from batchops.pipeline.steps.types import StepType
from batchops.store.code_snapshots import CodeSnapshot, read_snapshot

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
class StagedInput:
    """An input as stored: staged from `source` into `destination` below the job's folder."""

    input_name: str
    source: Any
    destination: str

    def to_json(self) -> dict[str, Any]:
        return {
            "InputName": self.input_name,
            "Source": self.source,
            "Destination": self.destination,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> StagedInput:
        return cls(data["InputName"], data["Source"], data["Destination"])


@dataclass(frozen=True)
class PublishedOutput:
    """An output as stored: the folder `source` below the job's folder, published by name."""

    output_name: str
    source: str

    def to_json(self) -> dict[str, Any]:
        return {"OutputName": self.output_name, "Source": self.source}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> PublishedOutput:
        return cls(data["OutputName"], data["Source"])


@dataclass(frozen=True)
class ProcessingArguments:
    code: str
    """`code/<sha256>/<name>`: the script's snapshot in the artifact store (a definition
    stored before snapshots holds the script's absolute path)."""
    inputs: tuple[StagedInput, ...] = ()
    outputs: tuple[PublishedOutput, ...] = ()
    container_arguments: tuple[Any, ...] = ()
    environment: Mapping[str, Any] = field(default_factory=dict)
    property_files: tuple[PropertyFile, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "Code": self.code,
            "Inputs": [i.to_json() for i in self.inputs],
            "Outputs": [o.to_json() for o in self.outputs],
            "ContainerArguments": list(self.container_arguments),
            "Environment": dict(self.environment),
            "PropertyFiles": [pf.to_json() for pf in self.property_files],
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ProcessingArguments:
        return cls(
            code=data["Code"],
            inputs=tuple(StagedInput.from_json(i) for i in data.get("Inputs") or ()),
            outputs=tuple(PublishedOutput.from_json(o) for o in data.get("Outputs") or ()),
            container_arguments=tuple_of(data.get("ContainerArguments")),
            environment=dict_of(data.get("Environment")),
            property_files=tuple(
                PropertyFile.from_json(pf) for pf in data.get("PropertyFiles") or ()
            ),
        )


@dataclass(frozen=True)
class ProcessingInput:
    source: Any
    destination: str
    input_name: str | None = None

    def to_arguments(self) -> StagedInput:
        name = self.input_name or _relative_destination(self.destination).replace("/", "-")
        return StagedInput(name, self.source, _relative_destination(self.destination))


@dataclass(frozen=True)
class ProcessingOutput:
    output_name: str
    source: str

    def to_arguments(self) -> PublishedOutput:
        return PublishedOutput(self.output_name, _relative_destination(self.source))


class ProcessingStep(Step):
    step_type = StepType.PROCESSING

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
        self.snapshot = read_snapshot(code)  # the bytes that run, whatever the file becomes
        self.code = self.snapshot.reference
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

    def code_snapshots(self) -> list[CodeSnapshot]:
        return [self.snapshot]

    def arguments(self) -> ProcessingArguments:
        return ProcessingArguments(
            code=self.code,
            inputs=tuple(i.to_arguments() for i in self.inputs),
            outputs=tuple(o.to_arguments() for o in self.outputs),
            container_arguments=tuple(self.job_arguments),
            environment=dict(self.environment),
            property_files=tuple(self.property_files),
        )
