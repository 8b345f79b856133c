"""Finding and reading a packaged model: model.tar.gz, or a folder with it or its contents.

The archive is read in memory member by member (nothing is extracted to disk), so a hostile
archive cannot write outside a folder, and only the two files we know are ever looked at.
"""

from __future__ import annotations

import io
import tarfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from batchops.errors import InvalidInput, NotFound
from batchops.models.manifest import MANIFEST_FILE, MODEL_FILE, ModelManifest
from batchops.store.artifacts import filesystem

ARCHIVE_NAME = "model.tar.gz"
_MAX_MEMBER_BYTES = 2 << 30


@dataclass(frozen=True)
class ModelFiles:
    """The raw contents of a packaged model, and where they came from (for messages)."""

    source: str
    model_bytes: bytes
    manifest: ModelManifest | None


def read_model_files(uri: str | Path) -> ModelFiles:
    fs, path = filesystem(str(uri))
    if not fs.exists(path):
        raise NotFound(f"model not found: {uri}")
    if fs.isdir(path):
        archive = f"{path.rstrip('/')}/{ARCHIVE_NAME}"
        if fs.exists(archive):
            return _read_archive(fs, archive, f"{uri}/{ARCHIVE_NAME}")
        return _read_folder(fs, path, str(uri))
    return _read_archive(fs, path, str(uri))


def _read_folder(fs: Any, path: str, source: str) -> ModelFiles:
    base = path.rstrip("/")
    manifest = None
    if fs.exists(f"{base}/{MANIFEST_FILE}"):
        manifest = ModelManifest.from_json(
            fs.cat_file(f"{base}/{MANIFEST_FILE}"), f"{source}/{MANIFEST_FILE}"
        )
    model_file = manifest.model_file if manifest else MODEL_FILE
    if not fs.exists(f"{base}/{model_file}"):
        raise NotFound(
            f"{source} holds neither {ARCHIVE_NAME} nor {model_file}; point --model at a "
            f"model.tar.gz or a folder containing one"
        )
    return ModelFiles(source, bytes(fs.cat_file(f"{base}/{model_file}")), manifest)


def _read_archive(fs: Any, path: str, source: str) -> ModelFiles:
    with fs.open(path, "rb") as raw:
        data = raw.read()
    try:
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:*") as archive:
            return _archive_files(archive, source)
    except (tarfile.TarError, EOFError) as exc:
        raise InvalidInput(f"{source}: not a readable tar archive ({exc})") from exc


def _archive_files(archive: tarfile.TarFile, source: str) -> ModelFiles:
    members = {_member_name(m.name): m for m in archive.getmembers() if m.isfile()}
    manifest = None
    if MANIFEST_FILE in members:
        manifest = ModelManifest.from_json(
            _member_bytes(archive, members[MANIFEST_FILE], source),
            f"{source}:{MANIFEST_FILE}",
        )
    model_file = manifest.model_file if manifest else MODEL_FILE
    if model_file not in members:
        found = ", ".join(sorted(members)) or "no files"
        raise InvalidInput(f"{source}: the archive has no {model_file} (it holds {found})")
    model_bytes = _member_bytes(archive, members[model_file], source)
    return ModelFiles(source, model_bytes, manifest)


def _member_name(name: str) -> str:
    while name.startswith("./"):
        name = name[2:]
    return name


def _member_bytes(archive: tarfile.TarFile, member: tarfile.TarInfo, source: str) -> bytes:
    if member.size > _MAX_MEMBER_BYTES:
        raise InvalidInput(f"{source}: {member.name} is larger than 2 GiB")
    handle = archive.extractfile(member)
    if handle is None:
        raise InvalidInput(f"{source}: cannot read {member.name}")
    return handle.read()


def pack_model(files: dict[str, bytes]) -> bytes:
    """A gzipped tar of `files`, byte-identical for identical contents (fixed times, owners)."""
    import gzip

    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as archive:
        for name in sorted(files):
            info = tarfile.TarInfo(name)
            info.size = len(files[name])
            info.mode = 0o644
            info.mtime = 0
            archive.addfile(info, io.BytesIO(files[name]))
    return gzip.compress(buffer.getvalue(), mtime=0)
