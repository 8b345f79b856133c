"""Pipelines as a user finds them: the stored ones, with the built-in examples among them.

The CLI and the server list, show and start pipelines through these functions, so both see
the example pipelines registered on first look (a new version only when their definitions
changed), and a run that reads the example's default data finds it made. Nothing here
writes data until a run needs it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from batchops.runtime.execution import Execution, start_execution

if TYPE_CHECKING:
    from batchops.runtime.executor import EventCallback


_registered: dict[str, dict[str, int]] = {}


def register_examples() -> dict[str, int]:
    """Store the example pipelines; their versions by name. Once per database in a process:
    a long-running server looks them up on every request, and their definitions are code."""
    from batchops.examples.abalone.pipelines import builtin_pipelines as abalone_pipelines
    from batchops.examples.churn.pipelines import upsert_builtin_pipelines
    from batchops.settings import get_settings

    url = get_settings().db_url
    if url not in _registered:
        versions = upsert_builtin_pipelines()
        versions.update({p.name: p.upsert() for p in abalone_pipelines()})
        _registered[url] = versions
    return dict(_registered[url])


def list_pipelines() -> list[dict[str, Any]]:
    """Every stored pipeline, by name: name, description, latest_version, created/updated."""
    from batchops.runtime.catalog import list_pipelines as stored

    register_examples()
    return stored()


def describe_pipeline(name: str, version: int | None = None) -> dict[str, Any]:
    """`{"name", "version", "definition"}` of a version (default: the latest)."""
    from batchops.runtime.catalog import get_definition

    register_examples()
    number, definition = get_definition(name, version)
    return {"name": name, "version": number, "definition": definition}


def start_pipeline(
    name: str,
    parameters: Mapping[str, Any] | None = None,
    *,
    version: int | None = None,
    wait: bool = False,
    on_event: EventCallback | None = None,
    user: str | None = None,
) -> Execution:
    """Start an execution as `user` (default: the settings' user); the example's default data
    is written first if this run reads it."""
    from batchops.examples.abalone.pipelines import make_default_input_data as abalone_data
    from batchops.examples.churn.pipelines import make_default_input_data as churn_data

    def prepare(values: Mapping[str, Any]) -> None:
        churn_data(name, values)
        abalone_data(name, values)

    register_examples()
    return start_execution(
        name,
        version,
        dict(parameters or {}),
        wait=wait,
        on_event=on_event,
        prepare=prepare,
        user=user,
    )
