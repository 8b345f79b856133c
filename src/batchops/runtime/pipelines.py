"""Pipelines as a user finds them: the stored ones, with those that installed packages provide.

A package brings pipelines by naming a `PipelineProvider` in the `batchops.pipelines` entry
point group of its metadata (batchops' own churn example is one, see pyproject.toml). The
providers are looked up lazily, when pipelines are first listed, shown or started in a
process, and their pipelines stored once per database (a new version only when a definition
changed). A provider's `prepare` is handed a pipeline's checked values before each start, so
an input the run reads (the example's default data) is made only when a run needs it.

The CLI, the server's routes and page, and the scheduler (hosted or not) list, show and start
pipelines through these functions, so all of them see the same pipelines.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from importlib.metadata import entry_points
from typing import TYPE_CHECKING, Any

from batchops.crashpoints import NO_CRASH, CrashPoints
from batchops.errors import EnvironmentProblem
from batchops.runtime import catalog
from batchops.runtime.execution import Execution, require_room_to_start, start_execution
from batchops.settings import get_settings

if TYPE_CHECKING:
    from batchops.pipeline.pipeline import Pipeline
    from batchops.runtime.executor import EventCallback

ENTRY_POINT_GROUP = "batchops.pipelines"

Prepare = Callable[[str, Mapping[str, Any]], None]
"""Handed a pipeline's name and its checked values (defaults filled in) before a start."""


@dataclass(frozen=True)
class PipelineProvider:
    """What a package provides: its pipelines, and what to make before one of them starts."""

    pipelines: Callable[[], Iterable[Pipeline]]
    prepare: Prepare | None = None


@functools.cache
def providers() -> tuple[PipelineProvider, ...]:
    """The providers the installed packages name, by entry point name (read once a process)."""
    found = []
    for point in sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda p: p.name):
        provider = point.load()
        if not isinstance(provider, PipelineProvider):
            raise EnvironmentProblem(
                f"entry point {point.name} = {point.value} of group {ENTRY_POINT_GROUP} names "
                f"a {type(provider).__name__}, not a batchops PipelineProvider"
            )
        found.append(provider)
    return tuple(found)


_stored: dict[str, dict[str, int]] = {}
_storing = threading.Lock()


def store_provided() -> dict[str, int]:
    """Store the providers' pipelines; their versions by name. Once per database and process:
    a server looks pipelines up on every request, and providers' definitions are code."""
    url = get_settings().db_url
    with _storing:
        if url not in _stored:
            _stored[url] = {
                pipeline.name: pipeline.upsert()
                for provider in providers()
                for pipeline in provider.pipelines()
            }
        return dict(_stored[url])


def list_pipelines(*, limit: int | None = None, offset: int = 0) -> list[dict[str, Any]]:
    """Stored pipelines by name: name, description, latest_version, created/updated;
    `limit` and `offset` read one page."""
    store_provided()
    return catalog.list_pipelines(limit=limit, offset=offset)


def describe_pipeline(name: str, version: int | None = None) -> dict[str, Any]:
    """`{"name", "version", "definition"}` of a version (default: the latest)."""
    store_provided()
    number, definition = catalog.get_definition(name, version)
    return {"name": name, "version": number, "definition": definition}


def prepare_inputs(pipeline: str, values: Mapping[str, Any]) -> None:
    """Let every provider make what a start of `pipeline` with these values reads."""
    for provider in providers():
        if provider.prepare is not None:
            provider.prepare(pipeline, values)


def start_pipeline(
    name: str,
    parameters: Mapping[str, Any] | None = None,
    *,
    version: int | None = None,
    wait: bool = False,
    on_event: EventCallback | None = None,
    user: str | None = None,
    trigger_key: str | None = None,
    trigger: dict[str, Any] | None = None,
    after_record: Callable[[str], None] | None = None,
    crash_points: CrashPoints = NO_CRASH,
    dask: str | None = None,
) -> Execution:
    """Start an execution as `user` (default: the settings' user), once the providers made
    what it reads; the other arguments are `runtime.execution.start_execution`'s."""
    require_room_to_start(name)
    store_provided()
    return start_execution(
        name,
        version,
        dict(parameters or {}),
        wait=wait,
        on_event=on_event,
        prepare=lambda values: prepare_inputs(name, values),
        trigger_key=trigger_key,
        trigger=trigger,
        after_record=after_record,
        user=user,
        crash_points=crash_points,
        dask=dask,
    )
