"""A pipeline as it travels to another home or server: its definition and its code.

A definition names its code (ProcessingSteps' scripts, FunctionSteps' files) by digest
(`store/code_snapshots.py`); a bundle carries those files beside it, so the host that stores
it needs none of the writer's files or packages. `PUT /api/pipelines/{name}` and
`batchops apply` store a bundle through `store_bundle`, which checks every file against the
digest its reference names, refuses a bundle over MAX_BUNDLE_BYTES of code, and stores a new
version only when the definition changed.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from batchops.errors import InvalidInput
from batchops.runtime import catalog
from batchops.store.code_snapshots import CodeSnapshot, snapshot_exists
from batchops.store.managed import Managed

if TYPE_CHECKING:
    from batchops.pipeline.pipeline import Pipeline

MAX_BUNDLE_BYTES = 8 * 1024 * 1024
"""The most code (decoded bytes, all files together) one bundle carries: scripts and small
modules, never data or models. Base64 makes the request about 4/3 of it."""

_REFERENCE = re.compile(r"code/(?P<sha256>[0-9a-f]{64})/(?P<name>[^/\\]+)")


@dataclass(frozen=True)
class PipelineBundle:
    """A pipeline's definition and the code files it names, by their references."""

    name: str
    definition: Mapping[str, Any]
    description: str = ""
    code: Mapping[str, bytes] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "definition": dict(self.definition),
            "description": self.description,
            "code": {ref: base64.b64encode(data).decode() for ref, data in self.code.items()},
        }

    @classmethod
    def from_json(cls, name: str, data: Mapping[str, Any]) -> PipelineBundle:
        if not isinstance(data.get("definition"), dict):
            raise InvalidInput(f"pipeline {name}: `definition` must be a JSON object")
        code = data.get("code") or {}
        if not isinstance(code, dict):
            raise InvalidInput(f"pipeline {name}: `code` must map references to base64 text")
        decoded = {}
        for reference, text in code.items():
            try:
                decoded[str(reference)] = base64.b64decode(str(text), validate=True)
            except (binascii.Error, ValueError):
                raise InvalidInput(f"pipeline {name}: code {reference} is not base64") from None
        return cls(name, data["definition"], str(data.get("description") or ""), decoded)


def bundle_of(pipeline: Pipeline) -> PipelineBundle:
    """The bundle of a pipeline written in Python: its definition and its snapshots."""
    return PipelineBundle(
        pipeline.name,
        pipeline.definition(),
        pipeline.description,
        {s.reference: s.content for s in pipeline.code_snapshots()},
    )


def named_code(definition: Mapping[str, Any]) -> Iterator[str]:
    """Every code reference the definition's steps name (`Arguments.Code`)."""
    for step in definition.get("Steps") or ():
        arguments = step.get("Arguments") if isinstance(step, Mapping) else None
        code = arguments.get("Code") if isinstance(arguments, Mapping) else None
        if isinstance(code, str) and _REFERENCE.fullmatch(code):
            yield code


def check_bundle(bundle: PipelineBundle) -> list[CodeSnapshot]:
    """The bundle's files as snapshots, each checked against its reference's digest; every
    file the definition names is in the bundle or already stored, and no other file is sent."""
    from batchops.pipeline.pipeline import Pipeline

    Pipeline.from_definition(bundle.name, dict(bundle.definition))  # a valid definition
    size = sum(len(data) for data in bundle.code.values())
    if size > MAX_BUNDLE_BYTES:
        raise InvalidInput(
            f"pipeline {bundle.name}: its code is {size} bytes, more than the "
            f"{MAX_BUNDLE_BYTES} a bundle carries (scripts, not data: read data by URI)"
        )
    named = set(named_code(bundle.definition))
    snapshots = []
    for reference, data in bundle.code.items():
        found = _REFERENCE.fullmatch(reference)
        if found is None or reference not in named:
            raise InvalidInput(
                f"pipeline {bundle.name}: code {reference!r} is not named by its definition"
            )
        if hashlib.sha256(data).hexdigest() != found["sha256"]:
            raise InvalidInput(
                f"pipeline {bundle.name}: code {reference} does not match its digest"
            )
        snapshots.append(CodeSnapshot(found["name"], data))
    missing = sorted(r for r in named - set(bundle.code) if not snapshot_exists(r))
    if missing:
        raise InvalidInput(
            f"pipeline {bundle.name}: the bundle lacks the code {', '.join(missing)}, "
            "which its definition names"
        )
    return snapshots


def store_bundle(bundle: PipelineBundle, managed: Managed | None = None) -> int:
    """Check the bundle, keep its code, and store its definition (a new version only when it
    changed); the pipeline's version."""
    snapshots = check_bundle(bundle)
    return catalog.upsert_definition(
        bundle.name,
        dict(bundle.definition),
        bundle.description,
        code=snapshots,
        managed=managed,
    )
