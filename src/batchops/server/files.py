"""The files a record names, opened by that record only.

A request says which execution step (or model version) and which file name; the URI comes
from the stored record, never from the request, and is opened only when it resolves (symlinks
followed) to a file under the artifact root. HTML is served sandboxed, so a report can never
act as the page or read its session.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fastapi.responses import FileResponse

from batchops.errors import NotFound
from batchops.store import artifacts
from batchops.store.execution_records import StepRecord
from batchops.store.outputs import MANIFEST_NAME

if TYPE_CHECKING:
    from batchops.registry.values import ModelVersion

VIEWABLE = (".json", ".html", ".csv", ".txt", ".log")
MEDIA = {".json": "application/json", ".html": "text/html", ".csv": "text/csv"}
SANDBOX = (
    "sandbox allow-scripts; default-src 'none'; style-src 'unsafe-inline'; "
    "script-src 'unsafe-inline'; img-src data:"
)


def _uris(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        for inner in value.values():
            yield from _uris(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from _uris(inner)
    elif isinstance(value, str) and value.startswith(("/", "file://")):
        yield value


def _inside_root(uri: str) -> Path | None:
    """The real path of a local URI when it is under the artifact root, else None."""
    if not artifacts.is_local(uri):
        return None
    root = artifacts.artifacts_root()
    if not artifacts.is_local(root):
        return None
    real_root = os.path.realpath(artifacts.local_path(root))
    real = os.path.realpath(artifacts.local_path(uri))
    if os.path.commonpath([real_root, real]) != real_root:
        return None
    return Path(real)


def step_files(step: StepRecord) -> dict[str, str]:
    """Name -> recorded URI of the viewable files a step's record names (or its folders hold)."""
    found: dict[str, str] = {}
    for uri in _uris([step.properties, step.outputs]):
        path = _inside_root(uri)
        if path is None:
            continue
        if path.is_file() and path.suffix in VIEWABLE:
            found.setdefault(path.name, uri)
        elif path.is_dir():
            for child in sorted(path.iterdir())[:200]:
                inner = artifacts.join(uri, child.name)
                real = _inside_root(inner) if child.suffix in VIEWABLE else None
                if real is not None and child.name != MANIFEST_NAME and real.is_file():
                    found.setdefault(child.name, inner)
    return found


def version_files(version: ModelVersion) -> dict[str, str]:
    """Name -> URI of a model version's own files (model, evaluation, baseline)."""
    folder = version.model_data_uri.rsplit("/", 1)[0]
    return {name: artifacts.join(folder, name) for name in version.files}


def open_recorded(files: dict[str, str], name: str, owner: str) -> FileResponse:
    """The response for file `name` among `files`; NotFound for any other name or a file
    that resolves outside the artifact root."""
    uri = files.get(name)
    path = _inside_root(uri) if uri else None
    if path is None or not path.is_file():
        known = ", ".join(sorted(files)) or "none"
        raise NotFound(f"{owner} has no file {name!r} under the artifact root; files: {known}")
    media = MEDIA.get(path.suffix, "text/plain" if path.suffix in VIEWABLE else None)
    headers = {"Content-Security-Policy": SANDBOX, "X-Content-Type-Options": "nosniff"}
    if media is None:
        return FileResponse(path, filename=path.name, headers=headers)
    return FileResponse(path, media_type=media, headers=headers)
