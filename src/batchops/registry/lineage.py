"""Lineage both ways: a version to the execution (and data) that made it and the executions that
used it; an execution to the versions it registered and used, and the outputs its steps
published, each with whether its files still match their manifest (`store.outputs`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from batchops.errors import InvalidInput, NotFound
from batchops.registry.usage import add_usage, uses_by_execution, uses_of_version
from batchops.registry.versions import get_version, version_row, versions_registered_by
from batchops.store import artifacts, outputs
from batchops.store.db import session_scope

if TYPE_CHECKING:
    from batchops.store.schema.pipelines import ExecutionRow

# Argument keys under which steps take their input data, and the keys holding the URIs.
_INPUT_SECTIONS = ("Inputs", "InputDataConfig", "TransformInput", "BaselineDataset")
_URI_KEYS = ("Source", "DataUri", "S3Uri", "Uri", "DataSource", "S3DataSource")


def record_usage(execution_id: str, group: str, version: int, step_name: str = "") -> None:
    """Note that an execution used a version (NotFound for an unknown one); recording the
    same use twice keeps one row."""
    with session_scope() as session:
        version_row(session, group, version)
        add_usage(session, execution_id, group, version, step_name)


def version_lineage(group: str, version: int) -> dict[str, Any]:
    """Where a version came from and where it went."""
    model = get_version(group, version)
    used_by = [
        {"execution_id": use.execution_id, "step": use.step_name, "at": use.at.isoformat()}
        for use in uses_of_version(group, version)
    ]
    return {
        "version": model.to_json(),
        "produced_by": _produced_by(model.execution_id) if model.execution_id else None,
        "used_by": used_by,
    }


def execution_lineage(execution_id: str) -> dict[str, Any]:
    """What an execution registered and which versions it used."""
    from batchops.store.executions import get_execution_row

    summary = _execution_summary(get_execution_row(execution_id))  # unknown: NotFound
    used = [
        {"group": u.group, "version": u.version, "step": u.step_name}
        for u in uses_by_execution(execution_id)
    ]
    registered = [
        {"group": v.group, "version": v.version, "status": v.status, "step": v.step_name}
        for v in versions_registered_by(execution_id)
    ]
    return {"execution": summary, "registered": registered, "used": used}


def _produced_by(execution_id: str) -> dict[str, Any]:
    from batchops.store.executions import get_execution_row

    try:
        row = get_execution_row(execution_id)
    except NotFound:
        # Imported versions name an execution of another registry.
        return {"id": execution_id, "known": False}
    return _execution_summary(row)


def _execution_summary(row: ExecutionRow) -> dict[str, Any]:
    from batchops.store.executions import step_rows

    # Data made inside the execution is visible there; lineage lists what came from outside.
    own_outputs = artifacts.execution_output_uri(row.pipeline_name, row.id)
    inputs: list[dict[str, str]] = []
    published: list[dict[str, str]] = []
    for step in step_rows(row.id):
        for name, uri in sorted((step.outputs or {}).items()):
            if uri:
                published.append(
                    {"step": step.name, "name": name, "uri": uri, "state": _output_state(uri)}
                )
        for uri in _input_uris(step.inputs or {}):
            entry = {"step": step.name, "uri": uri}
            inside = uri == own_outputs or uri.startswith(own_outputs.rstrip("/") + "/")
            if not inside and entry not in inputs:
                inputs.append(entry)
    return {
        "id": row.id,
        "known": True,
        "pipeline": row.pipeline_name,
        "pipeline_version": row.pipeline_version,
        "status": row.status,
        "parameters": row.parameters,
        "started_at": row.started_at.isoformat(),
        "input_data": inputs,
        "outputs": published,
    }


def _output_state(uri: str) -> str:
    """`complete`, `partial` or `absent` (no manifest: written before manifests, or removed);
    names and sizes only, so a lineage query never reads the data."""
    try:
        return str(outputs.verify_output(uri, digests=False).status)
    except InvalidInput:  # a damaged manifest vouches for nothing
        return str(outputs.OutputStatus.PARTIAL)


def _input_uris(arguments: dict[str, Any]) -> list[str]:
    found: list[str] = []
    for key in _INPUT_SECTIONS:
        if key in arguments:
            _collect_uris(arguments[key], found)
    return found


def _collect_uris(value: Any, found: list[str]) -> None:
    if isinstance(value, str):
        found.append(value)
    elif isinstance(value, dict):
        for key, inner in value.items():
            if key in _URI_KEYS or isinstance(inner, list):
                _collect_uris(inner, found)
    elif isinstance(value, list):
        for inner in value:
            _collect_uris(inner, found)
