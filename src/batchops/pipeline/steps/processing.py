"""ProcessingStep: a Python script run in its own process, inputs and outputs as directories.

On Linux the script sees its folders where SageMaker mounts them, at `/opt/ml/processing/...`
(a private root: `batchops.runtime.sandbox`); everywhere `$BATCHOPS_PROCESSING_DIR` names
that folder, so a script that reads
`os.environ.get("BATCHOPS_PROCESSING_DIR", "/opt/ml/processing")` runs on any host.
`image_uri` names the SageMaker image the script was written for: a scikit-learn or XGBoost
image gives it libraries that behave like the image's (`batchops.runtime.frameworks`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from batchops.errors import InvalidInput
from batchops.pipeline.images import parse_image
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
    """An output as stored: the folder `source` below the job's folder, published by name, and
    also at `destination` when one is given (shared by every execution, as on SageMaker)."""

    output_name: str
    source: str
    destination: Any = None

    def to_json(self) -> dict[str, Any]:
        entry = {"OutputName": self.output_name, "Source": self.source}
        if self.destination is not None:
            entry["Destination"] = self.destination
        return entry

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> PublishedOutput:
        return cls(data["OutputName"], data["Source"], data.get("Destination"))


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
    image_uri: str | None = None

    def to_json(self) -> dict[str, Any]:
        data = {
            "Code": self.code,
            "Inputs": [i.to_json() for i in self.inputs],
            "Outputs": [o.to_json() for o in self.outputs],
            "ContainerArguments": list(self.container_arguments),
            "Environment": dict(self.environment),
            "PropertyFiles": [pf.to_json() for pf in self.property_files],
        }
        if self.image_uri is not None:
            data["ImageUri"] = self.image_uri
        return data

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
            image_uri=data.get("ImageUri"),
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
    destination: Any = None

    def to_arguments(self) -> PublishedOutput:
        return PublishedOutput(
            self.output_name, _relative_destination(self.source), self.destination
        )


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
        image_uri: str | None = None,
        **common: Any,
    ) -> None:
        super().__init__(name, **common)
        # A local script: its bytes, snapshotted now and stored with the definition by digest.
        # A URI (s3://, file://, ...): read when the step runs, and kept by digest then.
        remote = "://" in str(code)
        self.snapshot = None if remote else read_snapshot(code)
        self.code = str(code) if self.snapshot is None else self.snapshot.reference
        self.image_uri = parse_image(image_uri).uri if image_uri is not None else None
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
        return [] if self.snapshot is None else [self.snapshot]

    def arguments(self) -> ProcessingArguments:
        return ProcessingArguments(
            code=self.code,
            inputs=tuple(i.to_arguments() for i in self.inputs),
            outputs=tuple(o.to_arguments() for o in self.outputs),
            container_arguments=tuple(self.job_arguments),
            environment=dict(self.environment),
            property_files=tuple(self.property_files),
            image_uri=self.image_uri,
        )
