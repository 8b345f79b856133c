"""`Pipeline`: a named DAG of steps with parameters; stored as versioned JSON, run as executions."""

from __future__ import annotations

import hashlib
import importlib
import json
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from batchops.errors import InvalidInput
from batchops.pipeline.graph import PipelineGraph
from batchops.pipeline.parameters import Parameter, parameter_from_declaration
from batchops.pipeline.steps.base import DefinedStep, Step
from batchops.settings import MAX_DESCRIPTION_CHARS, MAX_NAME_CHARS, check_length
from batchops.store.code_snapshots import CodeSnapshot

if TYPE_CHECKING:
    from batchops.runtime.execution import Execution

DEFINITION_VERSION = "2020-12-01"
S3_IN_ARTIFACT_STORE = {"S3": "ArtifactStore"}
"""Metadata of a definition whose `s3://` URIs name folders of the artifact store
(`store.artifacts.resolve_sdk_s3`), as `batchops.sagemaker` writes them; the runtime maps them
when a step runs. Elsewhere `s3://` is real S3."""


class Pipeline:
    def __init__(
        self,
        name: str,
        parameters: list[Parameter] | None = None,
        steps: list[Step] | None = None,
        description: str = "",
        metadata: Mapping[str, Any] | None = None,
    ) -> None:
        check_length(name, MAX_NAME_CHARS, "a pipeline name")
        if not name or not all(c.isalnum() or c in "-_" for c in name):
            raise InvalidInput(f"pipeline name {name!r} must be letters, digits, '-' or '_'")
        self.name = name
        self.parameters = list(parameters or [])
        self.steps = list(steps or [])
        self.description = description
        if isinstance(description, str):
            check_length(description, MAX_DESCRIPTION_CHARS, f"{name}'s description")
        self.metadata = dict(metadata or {})
        """More of the definition's `Metadata` (its description aside), kept as given."""
        self.graph = PipelineGraph.from_definition(self.definition())

    def all_steps(self) -> list[Step]:
        """Top-level steps and those nested in condition branches, each once."""
        found: list[Step] = []
        by_name: dict[str, Step] = {}

        def add(step: Step) -> None:
            known = by_name.get(step.name)
            if known is step:
                return
            if known is not None:
                raise InvalidInput(f"duplicate step name {step.name!r}")
            by_name[step.name] = step
            found.append(step)
            for child in step.child_steps():
                add(child)

        for step in self.steps:
            add(step)
        return found

    def definition(self) -> dict[str, Any]:
        return {
            "Version": DEFINITION_VERSION,
            "Metadata": {
                **self.metadata,
                **({"Description": self.description} if self.description else {}),
            },
            "Parameters": [p.declaration() for p in self.parameters],
            "Steps": [s.to_json() for s in self.all_steps()],
        }

    def definition_json(self) -> str:
        return json.dumps(self.definition(), indent=2)

    def digest(self) -> str:
        return definition_digest(self.definition())

    def code_snapshots(self) -> list[CodeSnapshot]:
        """The scripts the definition names by digest, stored with it."""
        return [snapshot for step in self.all_steps() for snapshot in step.code_snapshots()]

    @classmethod
    def from_definition(cls, name: str, definition: Mapping[str, Any] | str) -> Pipeline:
        data = json.loads(definition) if isinstance(definition, str) else dict(definition)
        parameters = [parameter_from_declaration(p) for p in data.get("Parameters", [])]
        steps: list[Step] = [DefinedStep(s) for s in data.get("Steps", [])]
        metadata = dict(data.get("Metadata") or {})
        description = metadata.pop("Description", "")
        return cls(name, parameters, steps, description, metadata)

    def upsert(self) -> int:
        """Store the definition; a new version only when it changed. Returns the version."""
        from batchops.runtime.catalog import upsert_definition

        return upsert_definition(
            self.name, self.definition(), self.description, code=self.code_snapshots()
        )

    def start(
        self,
        parameters: Mapping[str, Any] | None = None,
        *,
        wait: bool = False,
        on_event: Callable[[str, str, str], None] | None = None,
    ) -> Execution:
        """Upsert, then start an execution: in this process when `wait`, else in the background."""
        from batchops.runtime.execution import start_execution

        version = self.upsert()
        return start_execution(
            self.name, version, dict(parameters or {}), wait=wait, on_event=on_event
        )


def load_pipeline(target: str) -> Pipeline:
    """The pipeline at "module:attribute": a Pipeline, or a function returning one."""
    module_name, sep, attribute = target.partition(":")
    if not sep or not module_name or not attribute:
        raise InvalidInput(f"{target!r}: expected module:attribute, e.g. mypipes:pipeline")
    try:
        found: Any = importlib.import_module(module_name)
        for part in attribute.split("."):
            found = getattr(found, part)
    except (ImportError, AttributeError) as error:
        raise InvalidInput(f"cannot import {target!r}: {error}") from error
    if not isinstance(found, Pipeline) and callable(found):
        found = found()
    if not isinstance(found, Pipeline):
        raise InvalidInput(f"{target!r} is not a Pipeline or a function returning one")
    return found


def definition_digest(definition: Mapping[str, Any]) -> str:
    canonical = json.dumps(definition, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()
