"""Files under one root (a local folder or any fsspec URL), written so no reader sees half a file.

A file is written under a temporary sibling name and then renamed; a directory is assembled
under a temporary sibling and renamed into place as a whole. On object stores a rename is a
copy, which is still all-or-nothing per object. Layout of pipeline outputs:
`<root>/pipelines/<pipeline>/executions/<execution>/<step>/<output>/...`.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import stat
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from batchops.errors import EnvironmentProblem, InvalidInput
from batchops.settings import get_settings


def _read_umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


_UMASK = _read_umask()  # read once: changing the umask is process-wide, unsafe later in threads


def is_local(uri: str | Path) -> bool:
    text = str(uri)
    return "://" not in text or text.startswith("file://")


def local_path(uri: str | Path) -> Path:
    text = str(uri)
    return Path(text[len("file://") :] if text.startswith("file://") else text)


def join(root: str, *parts: str) -> str:
    """Join URI parts with '/', keeping a local root a plain path."""
    clean = [str(p).strip("/") for p in parts if str(p)]
    return "/".join([root.rstrip("/"), *clean])


def filesystem(uri: str) -> tuple[Any, str]:
    """The fsspec filesystem of `uri` and the path within it (local paths too)."""
    from fsspec.core import url_to_fs

    found: tuple[Any, str] = url_to_fs(uri)
    return found


def make_folder(path: Path) -> Path:
    """Create `path` and its parents; one clear error when a file stands in the way."""
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        blocking = next((p for p in (path, *path.parents) if p.exists() and not p.is_dir()), None)
        if blocking is not None:
            raise EnvironmentProblem(
                f"cannot write into {path}: {blocking} is a file, not a folder"
            ) from error
        raise EnvironmentProblem(
            f"cannot create the folder {path}: {error.strerror or error}"
        ) from error
    return path


def _temp_sibling(path: str) -> str:
    head, _, tail = path.rstrip("/").rpartition("/")
    return f"{head}/.{tail}.tmp-{uuid.uuid4().hex[:12]}"


@contextmanager
def atomic_open(uri: str | Path, mode: str = "wb") -> Iterator[IO[Any]]:
    """Open `uri` for writing; the file appears under its name only if the block succeeds."""
    if "w" not in mode:
        raise ValueError("atomic_open is for writing")
    if is_local(uri):
        target = local_path(uri)
        make_folder(target.parent)
        fd, temp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
        try:
            with os.fdopen(fd, mode) as handle:
                yield handle
                handle.flush()
                os.fsync(handle.fileno())
            os.chmod(temp, 0o666 & ~_UMASK)  # mkstemp makes it owner-only; files are shared
            os.replace(temp, target)
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise
        return
    fs, path = filesystem(str(uri))
    temp = _temp_sibling(path)
    try:
        with fs.open(temp, mode) as handle:
            yield handle
        fs.mv(temp, path)
    except BaseException:
        if fs.exists(temp):
            fs.rm(temp)
        raise


def write_bytes(uri: str | Path, data: bytes) -> str:
    with atomic_open(uri, "wb") as handle:
        handle.write(data)
    return str(uri)


def write_text(uri: str | Path, text: str) -> str:
    return write_bytes(uri, text.encode("utf-8"))


def read_bytes(uri: str | Path) -> bytes:
    if is_local(uri):
        return local_path(uri).read_bytes()
    fs, path = filesystem(str(uri))
    return bytes(fs.cat_file(path))


def read_text(uri: str | Path) -> str:
    return read_bytes(uri).decode("utf-8")


def exists(uri: str | Path) -> bool:
    if is_local(uri):
        return local_path(uri).exists()
    fs, path = filesystem(str(uri))
    return bool(fs.exists(path))


def publish_directory(local_dir: Path, uri: str) -> str:
    """Copy a finished local directory to `uri` as a whole, replacing what was there."""
    if is_local(uri):
        target = local_path(uri)
        make_folder(target.parent)
        staging = Path(_temp_sibling(str(target)))
        shutil.copytree(local_dir, staging)
        if target.exists():
            retired = Path(_temp_sibling(str(target)))
            os.replace(target, retired)
            os.replace(staging, target)
            shutil.rmtree(retired, ignore_errors=True)
        else:
            os.replace(staging, target)
        return str(target)
    fs, path = filesystem(uri)
    remote_staging = _temp_sibling(path)
    fs.put(str(local_dir).rstrip("/") + "/", remote_staging, recursive=True)
    if fs.exists(path):
        fs.rm(path, recursive=True)
    fs.mv(remote_staging, path, recursive=True)
    return uri


def fetch(uri: str, local_dir: Path) -> Path:
    """Make `uri` (a file or a directory) available under `local_dir`; return the local path."""
    make_folder(local_dir)
    if is_local(uri):
        source = local_path(uri)
        target = local_dir / source.name
        if source.is_dir():
            shutil.copytree(source, target, dirs_exist_ok=True)
        else:
            shutil.copy2(source, target)
        return target
    fs, path = filesystem(uri)
    target = local_dir / path.rstrip("/").rpartition("/")[2]
    fs.get(path, str(target), recursive=fs.isdir(path))
    return target


def artifacts_root() -> str:
    return get_settings().artifacts


SDK_BUCKETS = "s3"
"""The folder of the artifact store that holds the buckets SageMaker SDK code names."""


def resolve_sdk_s3(uri: str) -> str:
    """Where a SageMaker notebook's `s3://bucket/key` lives: `<artifact store>/s3/bucket/key`.

    Inside `batchops.sagemaker` (and the executions of pipelines it defined) an SDK bucket is
    a folder of the artifact store, whether that store is local or on S3, so a pseudo-account's
    default bucket never has to exist and every reader (polars and pyarrow included) sees a
    store location, never a bucket of its own. A URI already inside the store, or not `s3://`
    at all, is returned unchanged; a key climbing out of its bucket is refused.
    """
    if not uri.startswith("s3://"):
        return uri
    root = artifacts_root().rstrip("/")
    if uri.startswith(root + "/"):
        return uri
    bucket_and_key = uri[len("s3://") :]
    bucket = bucket_and_key.split("/", 1)[0]
    if not bucket or any(part in (".", "..") for part in bucket_and_key.split("/")):
        raise InvalidInput(f"{uri!r} is not an s3://bucket/key URI batchops can map")
    return join(root, SDK_BUCKETS, bucket_and_key)


def sdk_s3_spelling(location: str) -> str:
    """The `s3://bucket/key` a store location stands for (the inverse of `resolve_sdk_s3`);
    any other location unchanged, so what a notebook reads back keeps the SDK's spelling."""
    prefix = join(artifacts_root(), SDK_BUCKETS) + "/"
    text = str(location)
    return "s3://" + text[len(prefix) :] if text.startswith(prefix) else text


def execution_output_uri(pipeline: str, execution_id: str) -> str:
    """The folder under which every step of the execution writes its outputs."""
    return join(artifacts_root(), "pipelines", pipeline, "executions", execution_id)


def step_output_uri(pipeline: str, execution_id: str, step: str, output: str) -> str:
    return join(execution_output_uri(pipeline, execution_id), step, output)


# --- files written once: staged next to their home, then published whole -----------------------


def registry_version_uri(group: str, version: int) -> str:
    """The folder holding one registered version's own files; nothing else writes there."""
    return join(artifacts_root(), "registry", group, str(version))


def file_digest(uri: str | Path) -> tuple[str, int]:
    """The sha256 (hex) and size in bytes of the file at `uri`, read in chunks."""
    if is_local(uri):
        with local_path(uri).open("rb") as handle:
            digest = hashlib.file_digest(handle, "sha256")
            return digest.hexdigest(), handle.tell()
    fs, path = filesystem(str(uri))
    with fs.open(path, "rb") as handle:
        digest = hashlib.file_digest(handle, "sha256")
        return digest.hexdigest(), int(handle.tell())


def copy_file(uri: str | Path, target: Path, *, follow_symlinks: bool = True) -> None:
    """Copy the file at `uri` to the local `target`; a directory or (if asked) a link is refused."""
    if is_local(uri):
        flags = os.O_RDONLY | (0 if follow_symlinks else os.O_NOFOLLOW)
        fd = os.open(local_path(uri), flags)
        with os.fdopen(fd, "rb") as source:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                raise IsADirectoryError(f"{uri} is not a regular file")
            with target.open("wb") as sink:
                shutil.copyfileobj(source, sink, 1 << 20)
        return
    fs, path = filesystem(str(uri))
    with fs.open(path, "rb") as source, target.open("wb") as sink:
        shutil.copyfileobj(source, sink, 1 << 20)


@contextmanager
def staging_directory(uri: str) -> Iterator[Path]:
    """A local folder to assemble what will be published at `uri`, gone afterwards either way.

    For a local `uri` it is a hidden sibling (same filesystem, so publishing is one rename);
    folders made for it are removed again when nothing was published, so a failed write leaves
    no trace. For a remote `uri` it is a temporary local folder.
    """
    if not is_local(uri):
        with tempfile.TemporaryDirectory(prefix="batchops-stage-") as name:
            yield Path(name)
        return
    target = local_path(uri)
    made = _missing_parents(target.parent)
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(_temp_sibling(str(target)))
    try:
        staging.mkdir()
        yield staging
    finally:
        shutil.rmtree(staging, ignore_errors=True)
        for folder in made:  # innermost first; only while still empty
            try:
                folder.rmdir()
            except OSError:
                break


def _missing_parents(folder: Path) -> list[Path]:
    missing: list[Path] = []
    while not folder.exists() and folder != folder.parent:
        missing.append(folder)
        folder = folder.parent
    return missing


def publish_staged(staging: Path, uri: str) -> str:
    """Move a finished staging folder to `uri` in one step; a leftover folder there is replaced.

    Only the writer that owns `uri` may call this (the registry holds the version number's
    lock), so a folder already there is debris of a crashed attempt, never someone's data.
    """
    if not is_local(uri):
        return publish_directory(staging, uri)
    target = local_path(uri)
    if target.exists():
        retired = Path(_temp_sibling(str(target)))
        os.replace(target, retired)
        shutil.rmtree(retired, ignore_errors=True)
    os.replace(staging, target)
    return str(target)


def remove_directory(uri: str) -> None:
    """Remove the folder at `uri` if it is there (undoing a publish whose record failed)."""
    if is_local(uri):
        shutil.rmtree(local_path(uri), ignore_errors=True)
        return
    fs, path = filesystem(uri)
    if fs.exists(path):
        fs.rm(path, recursive=True)
