"""Moving a version between registries: a self-contained folder with checksums.

The folder holds the model, its evaluation and baseline files and `metadata.json` (the
version's fields plus a sha256 per file). Import checks the whole folder (names, types,
checksums) before anything is written, so a truncated copy, a tampered file or a link out of
the folder never becomes a version, and a refused import leaves no trace. A figure the
checked evaluation.json holds is read from it, and metadata.json may not contradict it:
metadata.json is not covered by any checksum unless the export is signed
(`metadata.json.sig`, HMAC-SHA256 of metadata.json with a secret both registries hold, as
webhooks are signed), which an import given the secret requires.
"""

from __future__ import annotations

import hashlib
import json
import tempfile
from pathlib import Path
from typing import Any

from batchops.data.jsonfiles import parse_json
from batchops.errors import Conflict, InvalidInput, NotFound
from batchops.models.metrics import evaluation_values
from batchops.registry.refs import check_group_name
from batchops.registry.status import PENDING, check_status
from batchops.registry.values import ModelVersion
from batchops.registry.version_files import (
    EVALUATION_FILE,
    FILE_FIELDS,
    MODEL_FILE,
    SHA256,
    verified,
)
from batchops.registry.versions import VersionFields, check_json_value, get_version, register_files
from batchops.store import artifacts
from batchops.store.signing import signature, signature_matches

FORMAT = "batchops-model-export/1"
METADATA = "metadata.json"
SIGNATURE = "metadata.json.sig"


def export_version(
    group: str, version: int, destination: str | Path, *, sign_key: str | None = None
) -> Path | str:
    """Write the version's folder at `destination` (a local folder or an object store URL),
    which must not exist or be empty; returns the folder (a Path when local). With
    `sign_key`, `metadata.json.sig` signs metadata.json (and so every file's checksum).

    Only files that still match their recorded digests are exported: the export's checksums
    must vouch for what was registered, not for a later change.
    """
    model = verified(get_version(group, version))
    target = Path(destination) if artifacts.is_local(destination) else None
    if target is None:
        if artifacts.exists(str(destination)):
            raise Conflict(f"export destination {destination} exists and is not empty")
    elif target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise Conflict(f"export destination {target} exists and is not an empty folder")
    sources = {name: getattr(model, field) for name, field in FILE_FIELDS.items()}
    with tempfile.TemporaryDirectory(prefix="batchops-export-") as staging_name:
        staging = Path(staging_name)
        files: dict[str, dict[str, Any]] = {}
        for name, uri in sources.items():
            if not uri:
                continue
            if not artifacts.exists(uri):
                raise NotFound(f"{model.ref}: its {name} at {uri} is missing; cannot export")
            (staging / name).write_bytes(artifacts.read_bytes(uri))
            files[name] = _file_entry(staging / name)
        metadata = {"format": FORMAT, **model.to_json(), "files": files}
        manifest = (json.dumps(metadata, indent=2) + "\n").encode()
        (staging / METADATA).write_bytes(manifest)
        if sign_key is not None:
            (staging / SIGNATURE).write_text(signature(sign_key, manifest) + "\n")
        if target is None:
            return artifacts.publish_directory(staging, str(destination))
        if target.exists():
            target.rmdir()
        artifacts.publish_directory(staging, str(target))
    return target


def import_version(
    source: str | Path,
    group: str,
    *,
    status: str = PENDING,
    user: str | None = None,
    verify_key: str | None = None,
) -> ModelVersion:
    """Register the exported folder `source` as the next version of `group`.

    Everything is checked before anything is written: the group name, with `verify_key` the
    signature of metadata.json (an unsigned or otherwise signed export is refused),
    metadata.json (size, depth, every field's type), the file list (known plain names, regular
    files, no links), every checksum, and the metrics against the evaluation file. The copies
    are checked again against the checksums, so a file swapped meanwhile is caught; a refused
    import leaves nothing on disk or in the database.
    """
    check_group_name(group)
    status = check_status(status)
    if not artifacts.is_local(source):  # checked and registered from a local copy
        with tempfile.TemporaryDirectory(prefix="batchops-import-") as copy:
            try:
                return import_version(
                    artifacts.fetch(str(source), Path(copy)),
                    group,
                    status=status,
                    user=user,
                    verify_key=verify_key,
                )
            except (InvalidInput, NotFound) as error:
                raise type(error)(str(error).replace(copy, str(source).rstrip("/"))) from None
    folder = Path(source)
    metadata = _read_metadata(folder, verify_key)
    files: dict[str, dict[str, Any]] = metadata["files"]
    for name, entry in files.items():
        _verify(folder, name, entry)
    metrics = _verified_metrics(folder, metadata)
    origin = f"{metadata['group']}/{metadata['version']}"
    custom = dict(metadata.get("custom_metadata") or {})
    custom.setdefault("imported_from", origin)
    if metadata.get("execution_id"):
        custom.setdefault("source_execution_id", str(metadata["execution_id"]))
    fields = VersionFields.checked(
        inference_spec=metadata.get("inference_spec"),
        metrics=metrics,
        custom_metadata=custom,
        execution_id=None,
        step_name=None,
        description=str(metadata.get("description") or f"imported from {origin}"),
        status=status,
        user=user,
    )
    return register_files(
        group,
        {name: str(folder / name) for name in files},
        fields,
        expected_sha256={name: str(entry["sha256"]) for name, entry in files.items()},
        follow_symlinks=False,
    )


# What metadata.json may hold: field -> (accepted types, required). Other fields are ignored.
_OPTIONAL_TEXT = (str, type(None))
_FIELDS: dict[str, tuple[tuple[type, ...], bool]] = {
    "format": ((str,), True),
    "group": ((str,), True),
    "version": ((int,), True),
    "files": ((dict,), True),
    "status": (_OPTIONAL_TEXT, False),
    "description": (_OPTIONAL_TEXT, False),
    "model_data_uri": (_OPTIONAL_TEXT, False),
    "metrics_uri": (_OPTIONAL_TEXT, False),
    "inference_spec": ((dict, type(None)), False),
    "metrics": ((dict, type(None)), False),
    "baseline": ((dict, type(None)), False),
    "custom_metadata": ((dict, type(None)), False),
    "execution_id": (_OPTIONAL_TEXT, False),
    "step_name": (_OPTIONAL_TEXT, False),
    "created_by": (_OPTIONAL_TEXT, False),
    "created_at": (_OPTIONAL_TEXT, False),
    "approval_history": ((list, type(None)), False),
}
_TYPE_NAMES = {str: "text", int: "an integer", dict: "an object", list: "a list"}
MAX_METADATA_BYTES = 4 << 20


def _read_metadata(folder: Path, verify_key: str | None) -> dict[str, Any]:
    path = folder / METADATA
    if not path.is_symlink() and not path.exists():
        raise NotFound(f"{folder} is not an exported model version: {METADATA} is missing")
    raw = _read_plain(path, MAX_METADATA_BYTES)
    if verify_key is not None:
        _check_signature(folder, raw, verify_key)
    try:
        metadata = json.loads(raw.decode("utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise InvalidInput(f"{path}: not valid JSON ({error})") from error
    except RecursionError:
        raise InvalidInput(f"{path}: nested too deeply to be an export") from None
    if not isinstance(metadata, dict):
        raise InvalidInput(f"{path}: $ must be an object")
    if metadata.get("format") != FORMAT:
        raise InvalidInput(f"{path}: $.format must be {FORMAT!r}, got {metadata.get('format')!r}")
    for key, (types, required) in _FIELDS.items():
        if key not in metadata:
            if required:
                raise InvalidInput(f"{path}: $.{key} is missing")
            continue
        value = metadata[key]
        if not isinstance(value, types) or (isinstance(value, bool) and bool not in types):
            wanted = " or ".join(_TYPE_NAMES.get(t, "null") for t in types)
            raise InvalidInput(f"{path}: $.{key} must be {wanted}, got {_json_type(value)}")
    for key in ("inference_spec", "metrics", "custom_metadata"):
        check_json_value(metadata.get(key), f"{path}: $.{key}")
    _check_file_list(path, metadata["files"])
    return metadata


def _read_plain(path: Path, limit: int) -> bytes:
    """The bytes of a plain file of the export (no link), refused beyond `limit` bytes."""
    if path.is_symlink():
        raise InvalidInput(f"{path}: is a symbolic link; an export holds plain files only")
    if not path.is_file():
        raise InvalidInput(f"{path}: not a regular file")
    with path.open("rb") as handle:
        raw = handle.read(limit + 1)
    if len(raw) > limit:
        size = f"{limit >> 20} MiB" if limit % (1 << 20) == 0 else f"{limit} bytes"
        raise InvalidInput(f"{path}: larger than {size}; not part of an export")
    return raw


def _check_signature(folder: Path, manifest: bytes, key: str) -> None:
    """metadata.json must carry the signature `key` makes of it: it holds every file's
    checksum, so the signature vouches for the whole export."""
    path = folder / SIGNATURE
    if not path.is_symlink() and not path.exists():
        raise InvalidInput(
            f"{folder}: the export is not signed ({SIGNATURE} is missing); export it again "
            "with --sign-key-env NAME, or import it without --verify-key-env"
        )
    given = _read_plain(path, 256).decode("ascii", errors="replace")
    if not signature_matches(key, manifest, given):
        raise InvalidInput(
            f"{path}: the signature does not match {METADATA}: the export was changed after "
            "it was signed, or signed with another key"
        )


def _verified_metrics(folder: Path, metadata: dict[str, Any]) -> dict[str, Any] | None:
    """The version's metrics: every figure the checked evaluation.json holds is read from it,
    and metadata.json may not contradict one; figures the file does not hold (registered
    through the library without one) are kept as metadata.json has them."""
    claimed = metadata.get("metrics") or {}
    if EVALUATION_FILE not in metadata["files"]:
        return claimed
    path = folder / EVALUATION_FILE
    raw = _read_plain(path, MAX_METADATA_BYTES)
    if hashlib.sha256(raw).hexdigest() != metadata["files"][EVALUATION_FILE]["sha256"]:
        raise InvalidInput(f"{path}: changed while it was imported")  # the bytes parsed here
    document = parse_json(raw, str(path), max_bytes=MAX_METADATA_BYTES)
    measured = evaluation_values(document) if isinstance(document, dict) else {}
    differing = sorted(k for k in measured if k in claimed and claimed[k] != measured[k])
    if differing:
        shown = ", ".join(
            f"{k} {claimed[k]!r} there, {measured[k]!r} in the file" for k in differing[:3]
        )
        raise InvalidInput(
            f"{folder / METADATA}: $.metrics do not match the checked {EVALUATION_FILE} "
            f"({shown}); the export was changed after it was made"
        )
    return {**claimed, **measured}


def _check_file_list(path: Path, files: dict[str, Any]) -> None:
    if MODEL_FILE not in files:
        raise InvalidInput(f"{path}: $.files has no {MODEL_FILE}")
    for name, entry in files.items():
        where = f"{path}: $.files[{name!r}]"
        if name not in FILE_FIELDS:
            raise InvalidInput(f"{where}: not a file of a model version ({', '.join(FILE_FIELDS)})")
        if not isinstance(entry, dict) or not SHA256.fullmatch(str(entry.get("sha256"))):
            raise InvalidInput(f"{where} must be {{'sha256': <64 hex digits>, 'bytes': ...}}")
        size = entry.get("bytes")
        if size is not None and (not isinstance(size, int) or isinstance(size, bool) or size < 0):
            raise InvalidInput(f"{where}.bytes must be a whole number of bytes, got {size!r}")


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    return _TYPE_NAMES.get(type(value), "a number" if isinstance(value, float) else repr(value))


def _verify(folder: Path, name: str, entry: dict[str, Any]) -> None:
    path = folder / name
    if path.is_symlink():
        raise InvalidInput(f"{path}: is a symbolic link; an export holds plain files only")
    if not path.exists():
        raise NotFound(f"{path} is missing from the exported folder")
    if not path.is_file():
        raise InvalidInput(f"{path}: not a regular file")
    actual, size = artifacts.file_digest(path)
    if actual != entry["sha256"]:
        raise InvalidInput(
            f"{path}: checksum mismatch (sha256 {actual}, metadata.json says {entry['sha256']}); "
            "the file was changed or damaged after export"
        )
    if entry.get("bytes") is not None and entry["bytes"] != size:
        raise InvalidInput(f"{path}: {size} bytes, metadata.json says {entry['bytes']}")


def _file_entry(path: Path) -> dict[str, Any]:
    sha256, size = artifacts.file_digest(path)
    return {"sha256": sha256, "bytes": size}
