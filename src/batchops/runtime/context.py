"""What a step runner is handed: its arguments' resolver, a working folder, a log, output URIs.

A `StepContext` is the step's `Workspace` plus what only the orchestrating host holds (the
resolved arguments, crash points, the execution's Dask cluster). `StepContext.on_worker`
runs a job here, or on the cluster in a workspace of the worker's own.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Concatenate, ParamSpec, TypeVar

from batchops.pipeline.references import ResolutionContext, decode, resolve
from batchops.runtime.workspace import StepFailed, Workspace

if TYPE_CHECKING:
    from batchops.pipeline.graph import StepNode
    from batchops.runtime.on_cluster import StepCluster

P = ParamSpec("P")
T = TypeVar("T")


@dataclass
class StepOutcome:
    properties: dict[str, Any] = field(default_factory=dict)
    outputs: dict[str, str] = field(default_factory=dict)


@dataclass(kw_only=True)
class StepContext(Workspace):
    resolution: ResolutionContext
    cluster: StepCluster | None = None
    """The Dask cluster the execution's steps run on; None: they run on this host."""
    uri_map: Callable[[str], str] | None = None
    """Applied to every `s3://` text of the resolved arguments (a definition whose buckets
    live in the artifact store); None: the text stays as it is."""
    _arguments: Any = field(default=None, repr=False, init=False)

    def arguments(self, node: StepNode) -> Any:
        """The step's arguments as plain values, resolved once per run: the executor records
        them and keys the cache on them, and the runner reads the very same values (a
        reference such as a property file is not read twice, nor can it change between)."""
        if self._arguments is None:
            self._arguments = self.resolve(node.arguments)
        return self._arguments

    def resolve(self, value: Any) -> Any:
        """Plain values for a definition fragment (references in their JSON form included)."""
        resolved = resolve(decode(value), self.resolution)
        return resolved if self.uri_map is None else map_s3_uris(resolved, self.uri_map)

    @property
    def dask(self) -> str | None:
        """The address of the execution's Dask cluster, for data jobs a step did not point
        at a cluster of its own."""
        return self.cluster.address if self.cluster is not None else None

    def on_worker(
        self, job: Callable[Concatenate[Workspace, P], T], *args: P.args, **kwargs: P.kwargs
    ) -> T:
        """`job(workspace, ...)`: here in this step's workspace, or, when the execution runs
        on a Dask cluster, as one task on a worker (its log lines then join this step's)."""
        if self.cluster is None:
            return job(self, *args, **kwargs)
        return self.cluster.run(self, job, *args, **kwargs)


def flag(value: Any) -> bool:
    """A boolean argument as resolved: a Boolean parameter, or text such as "true" or "1"."""
    if isinstance(value, str):
        return value.strip().lower() in ("true", "1", "yes")
    return bool(value)


__all__ = ["StepContext", "StepFailed", "StepOutcome", "Workspace", "flag", "map_s3_uris"]


def map_s3_uris(value: Any, uri_map: Callable[[str], str]) -> Any:
    """`value` with each `s3://` text in it replaced by `uri_map` of it."""
    if isinstance(value, str):
        return uri_map(value) if value.startswith("s3://") else value
    if isinstance(value, Mapping):
        return {k: map_s3_uris(v, uri_map) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [map_s3_uris(v, uri_map) for v in value]
    return value
