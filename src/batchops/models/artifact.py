"""Finding and reading a packaged model: model.tar.gz, or a folder with it or its contents.

A model can come from anywhere (a registry import, a download), so reading one is bounded:
the archive is decompressed as a stream with a running total (BATCHOPS_MAX_MODEL_BYTES) and
a member count (BATCHOPS_MAX_MODEL_MEMBERS), so a gzip bomb stops early; nothing is
extracted to disk; links are refused, and only plain file names are looked up, so nothing
outside the archive or folder is ever read. Members the manifest lists as extra (the pickled
booster written for old SageMaker images) are never loaded, only checked against their sha256.
"""

from __future__ import annotations

import bz2
import gzip
import hashlib
import io
import lzma
import tarfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from batchops.errors import InvalidInput, NotFound
from batchops.models.manifest import MANIFEST_FILE, MODEL_FILE, ModelManifest, limits
from batchops.models.preprocessing import PREPROCESSING_FILE, Preprocessing
from batchops.settings import ModelLimits
from batchops.store.artifacts import filesystem

ARCHIVE_NAME = "model.tar.gz"
_NAMES_SHOWN = 5
_NAME_CHARS = 80


@dataclass(frozen=True)
class ModelFiles:
    """The raw contents of a packaged model, and where they came from (for messages)."""

    source: str
    model_bytes: bytes
    manifest: ModelManifest | None
    preprocessing: Preprocessing | None = None
    """The encoding of raw rows the model was trained behind (`preprocessing.json`), if any."""


def read_model_files(uri: str | Path) -> ModelFiles:
    fs, path = filesystem(str(uri))
    if not fs.exists(path):
        raise NotFound(f"model not found: {uri}")
    bounds = limits()
    if fs.isdir(path):
        archive = f"{path.rstrip('/')}/{ARCHIVE_NAME}"
        if fs.exists(archive):
            source = f"{uri}/{ARCHIVE_NAME}"
            _refuse_link(fs, archive, source)
            return _read_archive(fs, archive, source, bounds)
        return _read_folder(fs, path, str(uri), bounds)
    return _read_archive(fs, path, str(uri), bounds)


# --- a folder of files ---------------------------------------------------------------------


def _read_folder(fs: Any, path: str, source: str, bounds: ModelLimits) -> ModelFiles:
    base = path.rstrip("/")
    budget = _Budget(bounds.max_bytes, source)
    manifest = None
    if fs.exists(f"{base}/{MANIFEST_FILE}"):
        where = f"{source}/{MANIFEST_FILE}"
        manifest = ModelManifest.from_json(
            _folder_file(fs, f"{base}/{MANIFEST_FILE}", where, budget), where
        )
    model_file = manifest.model_file if manifest else MODEL_FILE
    if not fs.exists(f"{base}/{model_file}"):
        raise NotFound(
            f"{source} holds neither {ARCHIVE_NAME} nor {model_file}; point `model` at a "
            f"model.tar.gz or a folder containing one"
        )
    model_bytes = _folder_file(fs, f"{base}/{model_file}", f"{source}/{model_file}", budget)
    _check_extra_members(
        manifest,
        lambda name: (
            _folder_file(fs, f"{base}/{name}", f"{source}/{name}", budget)
            if fs.exists(f"{base}/{name}")
            else None
        ),
        f"{source}/",
    )
    preprocessing = None
    if fs.exists(f"{base}/{PREPROCESSING_FILE}"):
        where = f"{source}/{PREPROCESSING_FILE}"
        text = _folder_file(fs, f"{base}/{PREPROCESSING_FILE}", where, budget)
        preprocessing = Preprocessing.from_json(text, where)
    return ModelFiles(source, model_bytes, manifest, preprocessing)


def _folder_file(fs: Any, path: str, where: str, budget: _Budget) -> bytes:
    _refuse_link(fs, path, where)
    budget.spend(int(fs.size(path) or 0))
    return bytes(fs.cat_file(path))


def _refuse_link(fs: Any, path: str, where: str) -> None:
    """A link in a model's folder could point anywhere on this machine: refuse it."""
    is_link = getattr(fs, "islink", None)
    if is_link is not None and is_link(path):
        raise InvalidInput(f"{where} is a symbolic link; a model's files must be plain files")


# --- an archive ----------------------------------------------------------------------------


class _TooLarge(Exception):
    pass


class _Budget:
    """The bytes a model may still take; spending past it is bad input naming the source."""

    def __init__(self, limit: int, source: str) -> None:
        self.limit = limit
        self.spent = 0
        self.source = source

    def spend(self, size: int) -> None:
        self.spent += size
        if self.spent > self.limit:
            raise InvalidInput(
                f"{self.source}: more than {self.limit} bytes once uncompressed "
                "(BATCHOPS_MAX_MODEL_BYTES)"
            )


class _CountingReader(io.RawIOBase):
    """Decompressed bytes as tarfile reads them, charged to a budget as they come."""

    def __init__(self, inner: io.BufferedIOBase | IO[bytes], budget: _Budget) -> None:
        self.inner = inner
        self.budget = budget

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        room = self.budget.limit - self.budget.spent + 1
        data = self.inner.read(room if size < 0 else min(size, room))
        self.budget.spend(len(data))
        return data


def _read_archive(fs: Any, path: str, source: str, bounds: ModelLimits) -> ModelFiles:
    budget = _Budget(bounds.max_bytes, source)
    try:
        with fs.open(path, "rb") as raw:
            stream = _CountingReader(_decompressed(raw), budget)
            with tarfile.open(fileobj=stream, mode="r|") as archive:
                files = _archive_files(archive, source, bounds.max_members, budget)
    except (tarfile.TarError, EOFError, OSError, zlib.error, lzma.LZMAError) as exc:
        raise InvalidInput(f"{source}: not a readable tar archive ({_short(str(exc))})") from exc
    return _model_in(files, source)


def _decompressed(raw: IO[bytes]) -> io.BufferedIOBase | IO[bytes]:
    """The archive's tar stream, decompressed lazily whichever compression it uses."""
    head = raw.read(6)
    raw.seek(0)
    if head[:2] == b"\x1f\x8b":
        return gzip.GzipFile(fileobj=raw, mode="rb")
    if head[:3] == b"BZh":
        return bz2.BZ2File(raw, mode="rb")
    if head == b"\xfd7zXZ\x00":
        return lzma.LZMAFile(raw, mode="rb")
    return raw


def _archive_files(
    archive: tarfile.TarFile, source: str, max_members: int, budget: _Budget
) -> dict[str, bytes]:
    """The top-level plain files of the archive, read as the stream passes them."""
    files: dict[str, bytes] = {}
    for count, member in enumerate(archive, start=1):
        if count > max_members:
            raise InvalidInput(
                f"{source}: more than {max_members} members (BATCHOPS_MAX_MODEL_MEMBERS)"
            )
        name = _member_name(member.name)
        if member.issym() or member.islnk():
            raise InvalidInput(
                f"{source}: {_short(name)} is a link; a model archive holds plain files only"
            )
        if not member.isfile() or "/" in name:
            continue
        if name in files:
            raise InvalidInput(f"{source}: {_short(name)} appears twice in the archive")
        if member.size > budget.limit - budget.spent:
            budget.spend(member.size)  # its header claims more than may be read: fail now
        handle = archive.extractfile(member)
        if handle is None:
            raise InvalidInput(f"{source}: cannot read {_short(name)}")
        files[name] = handle.read()
    return files


def _model_in(files: dict[str, bytes], source: str) -> ModelFiles:
    manifest = None
    if MANIFEST_FILE in files:
        manifest = ModelManifest.from_json(files[MANIFEST_FILE], f"{source}:{MANIFEST_FILE}")
    model_file = manifest.model_file if manifest else MODEL_FILE
    if model_file not in files:
        raise InvalidInput(f"{source}: the archive has no {model_file} (it holds {_names(files)})")
    _check_extra_members(manifest, files.get, f"{source}:")
    preprocessing = None
    if PREPROCESSING_FILE in files:
        where = f"{source}:{PREPROCESSING_FILE}"
        preprocessing = Preprocessing.from_json(files[PREPROCESSING_FILE], where)
    return ModelFiles(source, files[model_file], manifest, preprocessing)


def _check_extra_members(
    manifest: ModelManifest | None, read: Callable[[str], bytes | None], prefix: str
) -> None:
    """Each extra member the manifest lists is there with its recorded sha256 (never loaded).

    `prefix` + a member's name is how messages name it (`model.tar.gz:` or `folder/`)."""
    for name, entry in (manifest.extra_members if manifest else {}).items():
        data = read(name)
        where = prefix + name
        if data is None:
            raise InvalidInput(f"{where}: listed in the manifest's extra_members but missing")
        if hashlib.sha256(data).hexdigest() != entry["sha256"]:
            raise InvalidInput(
                f"{where}: its sha256 differs from the manifest's; the file was changed"
            )


def _member_name(name: str) -> str:
    while name.startswith("./"):
        name = name[2:]
    return name


def _names(files: dict[str, bytes]) -> str:
    """The archive's files as a message lists them: the first few, then how many more."""
    names = sorted(files)
    if not names:
        return "no files at the top level"
    shown = ", ".join(_short(n) for n in names[:_NAMES_SHOWN])
    rest = len(names) - _NAMES_SHOWN
    return f"{shown} and {rest} more" if rest > 0 else shown


def _short(text: str) -> str:
    return text if len(text) <= _NAME_CHARS else text[:_NAME_CHARS] + "..."


def pack_model(files: dict[str, bytes]) -> bytes:
    """A gzipped tar of `files`, byte-identical for identical contents (fixed times, owners)."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as archive:
        for name in sorted(files):
            info = tarfile.TarInfo(name)
            info.size = len(files[name])
            info.mode = 0o644
            info.mtime = 0
            archive.addfile(info, io.BytesIO(files[name]))
    return gzip.compress(buffer.getvalue(), mtime=0)
