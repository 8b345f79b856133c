"""Files under one root (a local folder or any fsspec URL), written so no reader sees half a file.

Locally a file is written under a temporary sibling name and then renamed; a directory is
assembled under a temporary sibling and renamed into place as a whole. An object store (S3
and its kin) has no rename and no folders, but each object appears whole when its upload
completes: a file is written to a local temporary file and uploaded in one piece, and a
folder is its objects, uploaded one by one (`store.outputs` makes such a set whole with a
manifest written last). Layout of pipeline outputs:
`<root>/pipelines/<pipeline>/executions/<execution>/<step>/<output>/...`, and of their logs:
`<root>/pipelines/<pipeline>/executions/<execution>/_logs/<step>.log`.

An object store is checked once per process when first touched, so a wrong bucket, missing
credentials or an unreachable endpoint is one line naming the URL (`EnvironmentProblem`)
instead of a library's trace half-way through a job.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import stat
import tempfile
import threading
import uuid
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from batchops.errors import EnvironmentProblem, InvalidInput, MissingExtra
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
    """The fsspec filesystem of `uri` and the path within it (local paths too); an object
    store's bucket is checked the first time this process touches it."""
    from fsspec.core import url_to_fs

    _refuse_credentials_in(uri)
    try:
        fs, path = url_to_fs(uri)
    except ImportError as error:
        raise _missing_package(uri, error) from None
    if protocol(uri) in OBJECT_STORES:
        _check_bucket(fs, str(path), uri)
    return fs, str(path)


def _refuse_credentials_in(uri: str) -> None:
    """A bucket URL with `key:secret@` in it: its store reads no credentials from there (and
    would echo them in its errors), so it is refused before anything is asked."""
    if protocol(uri) in _BUCKET_NAMED and "@" in uri.split("://", 1)[1].partition("/")[0]:
        raise EnvironmentProblem(
            f"{shown(uri)}: credentials in the URL are not used; give them as AWS_ACCESS_KEY_ID "
            "and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE"
        )


def require_usable(uri: str) -> None:
    """Check now that the store holding `uri` can be used (for an object store: the bucket is
    there and the credentials open it), so a command fails before it records or starts work."""
    if not is_local(uri):
        filesystem(uri)


OBJECT_STORES = frozenset({"s3", "s3a", "gs", "gcs", "abfs", "abfss", "az"})
"""Protocols whose first path segment is a bucket (or container) that must exist."""

_BUCKET_NAMED = frozenset({"s3", "s3a", "gs", "gcs"})
"""Protocols where `@` cannot be part of a bucket name (Azure's `container@account` can)."""

_PACKAGES = {"s3": ("s3", "s3fs"), "s3a": ("s3", "s3fs")}
"""Protocol -> (batchops extra, Python package) for the stores an extra brings."""


def protocol(uri: str) -> str:
    """`s3` for `s3://bucket/key`; `file` for a local path."""
    text = str(uri)
    return text.split("://", 1)[0].lower() if "://" in text else "file"


def shown(uri: str) -> str:
    """`uri` as it may be printed: credentials written into it (`s3://key:secret@bucket`)
    are masked."""
    text = str(uri)
    if "://" not in text:
        return text
    scheme, _, rest = text.partition("://")
    authority, slash, tail = rest.partition("/")
    if "@" in authority:
        authority = "***@" + authority.rpartition("@")[2]
    return f"{scheme}://{authority}{slash}{tail}"


def _missing_package(uri: str, error: ImportError) -> EnvironmentProblem:
    extra, package = _PACKAGES.get(protocol(uri), (None, None))
    if extra is not None and package is not None:
        return MissingExtra(extra, package, f"the URL {shown(uri)}")
    return EnvironmentProblem(f"{shown(uri)}: no filesystem for {protocol(uri)}:// ({error})")


_checked: set[tuple[str, str, str]] = set()
_checked_lock = threading.Lock()


def _check_bucket(fs: Any, path: str, uri: str) -> None:
    """Ask the store once per process (per bucket, endpoint and key) whether the bucket is
    there and ours to use; every failure is one EnvironmentProblem naming `uri`."""
    bucket = path.split("/", 1)[0]
    key = (protocol(uri), bucket, _endpoint() + "|" + os.environ.get("AWS_ACCESS_KEY_ID", ""))
    with _checked_lock:
        if key in _checked:
            return
    try:
        fs.info(bucket)
    except Exception as error:
        raise store_problem(uri, bucket, error) from None
    with _checked_lock:
        _checked.add(key)


def _endpoint() -> str:
    return os.environ.get("AWS_ENDPOINT_URL_S3") or os.environ.get("AWS_ENDPOINT_URL") or ""


def store_problem(uri: str, bucket: str, error: BaseException) -> EnvironmentProblem:
    """What is wrong with an object store's bucket, in one line that names `uri` (credentials
    masked) and the endpoint, never a key."""
    where = shown(uri)
    endpoint = _endpoint()
    at = f" at {endpoint}" if endpoint else ""
    kinds = {cls.__name__ for cls in type(error).__mro__}
    if kinds & {"NoCredentialsError", "PartialCredentialsError", "CredentialRetrievalError"}:
        detail = (
            "no credentials found; set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE"
        )
    elif kinds & {"EndpointConnectionError", "ConnectTimeoutError", "ConnectionClosedError"}:
        detail = f"cannot connect to the object store{at or ' (its default endpoint)'}"
    elif isinstance(error, FileNotFoundError):
        detail = f"the bucket {bucket!r} does not exist{at}"
    elif isinstance(error, PermissionError):
        detail = f"access to the bucket {bucket!r} is denied{at} ({error})"
    else:
        detail = f"the object store{at} cannot be used: {type(error).__name__}: {error}"
    return EnvironmentProblem(f"{where}: {detail}")


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
    fd, temp = tempfile.mkstemp(prefix="batchops-upload-", suffix=".tmp")
    try:
        with os.fdopen(fd, mode) as handle:
            yield handle
        fs.put_file(temp, path)  # one object, visible only once its upload completes
    finally:
        Path(temp).unlink(missing_ok=True)


def upload_file(local: Path, uri: str) -> str:
    """Copy a finished local file to `uri` in one piece: atomically renamed into place
    locally, uploaded as one object remotely."""
    if not is_local(uri):
        fs, path = filesystem(uri)
        fs.put_file(str(local), path)
        return uri
    with open(local, "rb") as source, atomic_open(uri, "wb") as sink:
        shutil.copyfileobj(source, sink, 1 << 20)
    return str(uri)


def write_bytes(uri: str | Path, data: bytes) -> str:
    if not is_local(uri):
        fs, path = filesystem(str(uri))
        fs.pipe_file(path, data)  # one PUT: the object appears whole or not at all
        return str(uri)
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


def publish_directory(local_dir: Path, uri: str, *, keep: Collection[str] = ()) -> str:
    """Copy a finished local directory to `uri` as a whole, replacing what was there.

    In an object store the folder's objects are uploaded one by one, then those of the earlier
    set that were not replaced are removed, except the names in `keep` (the unfinished manifest
    that tells readers the set is being written)."""
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
    root = path.rstrip("/")
    earlier = set(_object_names(fs, root))
    made: set[str] = set()
    for file in sorted(p for p in local_dir.rglob("*") if p.is_file()):
        relative = file.relative_to(local_dir).as_posix()
        fs.put_file(str(file), f"{root}/{relative}")
        made.add(relative)
    for stale in sorted(earlier - made - set(keep)):
        fs.rm_file(f"{root}/{stale}")
    return uri


def _object_names(fs: Any, root: str) -> list[str]:
    """The names (below `root`) of the objects under a remote folder."""
    if not fs.exists(root):
        return []
    found = fs.find(root, detail=True)
    return [
        name[len(root) + 1 :]
        for name, info in found.items()
        if info.get("type") == "file" and name.startswith(root + "/")
    ]


def fetch(uri: str, local_dir: Path, *, skip: Collection[str] = ()) -> Path:
    """Copy the file at `uri` into `local_dir`, or the files of the folder at `uri` (less
    those named in `skip`) into `local_dir` itself, as a step's process expects its inputs.
    Returns `local_dir`."""
    make_folder(local_dir)
    if is_local(uri):
        source = local_path(uri)
        if source.is_dir():
            ignored = shutil.ignore_patterns(*skip) if skip else None
            shutil.copytree(source, local_dir, dirs_exist_ok=True, ignore=ignored)
        else:
            shutil.copy2(source, local_dir / source.name)
        return local_dir
    fs, path = filesystem(uri)
    root = path.rstrip("/")
    if not fs.isdir(root):
        fs.get_file(root, str(local_dir / root.rpartition("/")[2]))
        return local_dir
    for relative in sorted(_object_names(fs, root)):
        if relative.rpartition("/")[2] in skip:
            continue
        local = local_dir.joinpath(*relative.split("/"))
        local.parent.mkdir(parents=True, exist_ok=True)
        fs.get_file(f"{root}/{relative}", str(local))
    return local_dir


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
