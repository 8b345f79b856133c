"""SDK steps compiled into batchops steps: what `Pipeline.upsert()` stores and runs.

A `Compilation` is shared by one pipeline's steps: each SDK step becomes one batchops step
(a step collection is its steps), compiled once however often it is referred to. What the
SDK's JSON shows but batchops does not run on (roles, instance types, images until a runner
reads them) is kept beside the step, in the definition's `Metadata.SageMaker`, with the
names of the arguments accepted and ignored. Files the SDK uploads when a pipeline is
defined (a processing step's code, a Lambda's script) are snapshotted by content into the
default bucket, so the stored definition runs and retries without the notebook.
"""

from __future__ import annotations

import hashlib
import inspect
from collections.abc import Iterable
from dataclasses import dataclass, field, fields, is_dataclass
from pathlib import Path
from typing import Any, Protocol

from batchops.errors import NotFound
from batchops.pipeline.references import encode
from batchops.pipeline.steps.base import Step as BatchopsStep
from batchops.sagemaker import s3
from batchops.sagemaker.workflow.step_collections import StepCollection
from batchops.store import artifacts


class Step(Protocol):
    """An SDK step, as far as compiling needs one (`batchops.sagemaker.workflow.steps.Step`)."""

    name: str
    display_name: str | None

    def _compile(self, compilation: Compilation) -> BatchopsStep: ...

    def _request(self) -> dict[str, Any]: ...

    def _ignored(self) -> list[str]: ...


@dataclass
class Compilation:
    """One compile of SDK steps; `pipeline_name` None compiles a step on its own (`.arguments`),
    which snapshots nothing."""

    bucket: str | None = None
    pipeline_name: str | None = None
    uploads: dict[str, bytes] = field(default_factory=dict)
    """Snapshots to write when the definition is stored: s3:// URI -> content."""
    sagemaker: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Per step name: its DisplayName, SDK-only request parts and ignored arguments."""
    collections: dict[str, list[str]] = field(default_factory=dict)
    """Step collections' names -> their steps' names (`depends_on` may name a collection)."""
    _compiled: dict[int, BatchopsStep] = field(default_factory=dict)
    _order: list[BatchopsStep] = field(default_factory=list)

    def step(self, step: Step) -> BatchopsStep:
        """The batchops step of `step`, compiled the first time it is asked for."""
        found = self._compiled.get(id(step))
        if found is None:
            found = step._compile(self)
            self._compiled[id(step)] = found
            self._order.append(found)
            info = {
                "DisplayName": step.display_name,
                "Request": encode(step._request()),
                "Ignored": sorted(set(step._ignored())),
            }
            self.sagemaker[found.name] = {k: v for k, v in info.items() if v}
        return found

    @property
    def steps(self) -> list[BatchopsStep]:
        """Every step compiled so far, in the order they were first compiled."""
        return list(self._order)

    def steps_of(self, items: Iterable[Step | StepCollection]) -> list[BatchopsStep]:
        """The batchops steps of SDK steps, a collection standing for its steps."""
        return [self.step(step) for step in flatten(items)]

    def step_names(self, depends_on: Iterable[Any] | None) -> list[str]:
        """`depends_on` as step names: a step, a collection or a collection's name stands for
        the collection's steps."""
        names: list[str] = []
        for item in depends_on or ():
            if isinstance(item, StepCollection):
                names += [s.name for s in item.steps]
            elif isinstance(item, str):
                names += self.collections.get(item, [item])
            else:
                names.append(item.name)
        return list(dict.fromkeys(names))

    def snapshot(self, source: Any, kind: str) -> Any:
        """`source` (a local file or an s3:// object) as the SDK uploads it for the pipeline:
        `s3://<bucket>/<pipeline>/<kind>/<sha256>/<file name>`; unchanged for a step on its
        own, or when it is known only at run time."""
        if self.pipeline_name is None or not isinstance(source, str):
            return source
        data = _read_source(source)
        digest = hashlib.sha256(data).hexdigest()
        uri = s3.s3_path_join(
            "s3://", str(self.bucket), self.pipeline_name, kind, digest, Path(source).name
        )
        self.uploads[uri] = data
        return uri

    def write_uploads(self) -> None:
        """Write the snapshots not yet in the store (a snapshot's content never changes)."""
        for uri, data in self.uploads.items():
            target = artifacts.resolve_sdk_s3(uri)
            if not artifacts.exists(target):
                artifacts.write_bytes(target, data)


def _read_source(source: str) -> bytes:
    if source.startswith("s3://"):
        return s3.read(source)
    path = Path(source).expanduser()
    if not path.is_file():
        raise NotFound(f"{source} is not a file (a script to run must exist when it is given)")
    return path.read_bytes()


def flatten(items: Iterable[Any]) -> list[Step]:
    """Steps with each collection replaced by its steps, as the SDK lists them."""
    found: list[Step] = []
    for item in items:
        if isinstance(item, StepCollection):
            found += flatten(item.steps)
        else:
            found.append(item)
    return found


def accepts(target: Any, name: str) -> bool:
    """Whether a batchops class takes keyword `name` (a field, or its constructor's)."""
    if is_dataclass(target):
        return any(f.name == name for f in fields(target))
    return name in inspect.signature(target).parameters
