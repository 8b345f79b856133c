"""The files a record names, opened by that record only.

A request says which execution step (or model version) and which file name; the URI comes
from the stored record, never from the request, and is opened only when it resolves (symlinks
followed) to a file under the artifact root, or, with the artifacts in an object store, when
it is a key below the root's prefix (read from the store and streamed). HTML is served
sandboxed, so a report can never act as the page or read its session.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from fastapi.responses import FileResponse, Response, StreamingResponse

from batchops.errors import NotFound
from batchops.store import artifacts
from batchops.store.execution_records import StepRecord
from batchops.store.outputs import MANIFEST_NAME

if TYPE_CHECKING:
    from batchops.registry.values import ModelVersion

VIEWABLE = (".json", ".html", ".csv", ".txt", ".log", ".out")
"""Files the page links (`.out`: a transform's predictions, named as SageMaker names them)."""
MEDIA = {".json": "application/json", ".html": "text/html", ".csv": "text/csv"}
SANDBOX = (
    "sandbox allow-scripts; default-src 'none'; style-src 'unsafe-inline'; "
    "script-src 'unsafe-inline'; img-src data:"
)


def _uris(value: Any, remote_root: str | None) -> Iterator[str]:
    if isinstance(value, dict):
        for inner in value.values():
            yield from _uris(inner, remote_root)
    elif isinstance(value, list):
        for inner in value:
            yield from _uris(inner, remote_root)
    elif isinstance(value, str) and (
        value.startswith(("/", "file://")) or (remote_root and value.startswith(remote_root))
    ):
        yield value


def _remote_root() -> str | None:
    """The artifact root's prefix with a trailing slash, when it is an object store."""
    root = artifacts.artifacts_root()
    return None if artifacts.is_local(root) else root.rstrip("/") + "/"


def _under_remote_root(uri: str) -> bool:
    """Whether `uri` is a key below the object-store root; no `.`/`..` steps, which a store
    takes literally but a reader would not."""
    root = _remote_root()
    if root is None or not uri.startswith(root):
        return False
    return not any(part in (".", "..", "") for part in uri[len(root) :].split("/"))


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
    for uri in _uris([step.properties, step.outputs], _remote_root()):
        if not artifacts.is_local(uri):
            for name, inner in _remote_files(uri):
                found.setdefault(name, inner)
            continue
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


def _remote_files(uri: str) -> list[tuple[str, str]]:
    """(name, URI) of the viewable file at `uri`, or of those in the folder at `uri`."""
    if not _under_remote_root(uri):
        return []
    fs, path = artifacts.filesystem(uri)
    if PurePosixPath(path).suffix in VIEWABLE and fs.isfile(path):
        return [(PurePosixPath(path).name, uri)]
    if not fs.isdir(path):
        return []
    names = sorted(
        PurePosixPath(entry["name"]).name
        for entry in fs.ls(path, detail=True)
        if entry.get("type") == "file"
    )[:200]
    return [
        (name, artifacts.join(uri, name))
        for name in names
        if PurePosixPath(name).suffix in VIEWABLE and name != MANIFEST_NAME
    ]


def version_files(version: ModelVersion) -> dict[str, str]:
    """Name -> URI of a model version's own files (model, evaluation, baseline)."""
    folder = version.model_data_uri.rsplit("/", 1)[0]
    return {name: artifacts.join(folder, name) for name in version.files}


def open_recorded(files: dict[str, str], name: str, owner: str) -> Response:
    """The response for file `name` among `files`; NotFound for any other name or a file
    that resolves outside the artifact root."""
    uri = files.get(name)
    if uri and not artifacts.is_local(uri):
        if _under_remote_root(uri) and artifacts.exists(uri):
            return _streamed(uri)
        uri = None
    path = _inside_root(uri) if uri else None
    if path is None or not path.is_file():
        known = ", ".join(sorted(files)) or "none"
        raise NotFound(f"{owner} has no file {name!r} under the artifact root; files: {known}")
    media = _media(path.name)
    if media is None:
        return FileResponse(path, filename=path.name, headers=_HEADERS)
    return FileResponse(path, media_type=media, headers=_HEADERS)


_HEADERS = {"Content-Security-Policy": SANDBOX, "X-Content-Type-Options": "nosniff"}


def _media(name: str) -> str | None:
    suffix = PurePosixPath(name).suffix
    return MEDIA.get(suffix, "text/plain" if suffix in VIEWABLE else None)


def _streamed(uri: str) -> StreamingResponse:
    """An object store's file, read in blocks as the client takes it."""
    fs, path = artifacts.filesystem(uri)
    name = PurePosixPath(path).name

    def blocks() -> Iterator[bytes]:
        with fs.open(path, "rb") as handle:
            while block := handle.read(1 << 20):
                yield block

    media = _media(name)
    headers = dict(_HEADERS)
    if media is None:
        headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return StreamingResponse(blocks(), media_type=media, headers=headers)
