"""Moving a version between registries: a self-contained folder with checksums.

The folder holds the model, its evaluation and baseline files and `metadata.json` (the
version's fields plus a sha256 per file). Import verifies every checksum before anything is
registered, so a truncated copy or a tampered file never becomes a version.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import tempfile
from pathlib import Path
from typing import Any

from batchops.errors import Conflict, InvalidInput, NotFound
from batchops.registry.records import ModelVersion
from batchops.registry.status import PENDING
from batchops.registry.versions import get_version, register_version
from batchops.store import artifacts

FORMAT = "batchops-model-export/1"
METADATA = "metadata.json"
MODEL_FILE = "model.tar.gz"


def export_version(group: str, version: int, destination: str | Path) -> Path:
    """Write the version's folder at `destination`, which must not exist or be empty."""
    model = get_version(group, version)
    target = Path(destination)
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise Conflict(f"export destination {target} exists and is not an empty folder")
    sources = {
        MODEL_FILE: model.model_data_uri,
        "evaluation.json": model.metrics_uri,
        "statistics.json": model.statistics_uri,
        "constraints.json": model.constraints_uri,
    }
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
        (staging / METADATA).write_text(json.dumps(metadata, indent=2) + "\n")
        if target.exists():
            target.rmdir()
        artifacts.publish_directory(staging, str(target))
    return target


def import_version(
    source: str | Path, group: str, *, status: str = PENDING, user: str | None = None
) -> ModelVersion:
    """Register the exported folder `source` as the next version of `group`."""
    folder = Path(source)
    metadata = _read_metadata(folder)
    files: dict[str, Any] = metadata["files"]
    if MODEL_FILE not in files:
        raise InvalidInput(f"{folder / METADATA}: $.files has no {MODEL_FILE}")
    for name, entry in files.items():
        _verify(folder, name, entry)
    digest = str(files[MODEL_FILE]["sha256"])
    with tempfile.TemporaryDirectory(prefix="batchops-import-") as staging_name:
        staging = Path(staging_name) / "files"
        staging.mkdir()
        for name in files:
            shutil.copy2(folder / name, staging / name)
        stored = artifacts.publish_directory(
            staging, artifacts.join(artifacts.artifacts_root(), "registry", group, digest[:16])
        )

    def uri(name: str) -> str | None:
        return artifacts.join(stored, name) if name in files else None

    origin = f"{metadata.get('group')}/{metadata.get('version')}"
    custom = dict(metadata.get("custom_metadata") or {})
    custom.setdefault("imported_from", origin)
    if metadata.get("execution_id"):
        custom.setdefault("source_execution_id", str(metadata["execution_id"]))
    return register_version(
        group,
        model_data_uri=str(uri(MODEL_FILE)),
        inference_spec=dict(metadata.get("inference_spec") or {}),
        metrics=dict(metadata.get("metrics") or {}),
        metrics_uri=uri("evaluation.json"),
        statistics_uri=uri("statistics.json"),
        constraints_uri=uri("constraints.json"),
        custom_metadata=custom,
        description=str(metadata.get("description") or f"imported from {origin}"),
        status=status,
        user=user,
    )


def _read_metadata(folder: Path) -> dict[str, Any]:
    path = folder / METADATA
    if not path.is_file():
        raise NotFound(f"{folder} is not an exported model version: {METADATA} is missing")
    try:
        metadata = json.loads(path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise InvalidInput(f"{path}: not valid JSON ({error})") from error
    if not isinstance(metadata, dict):
        raise InvalidInput(f"{path}: $ must be an object")
    if metadata.get("format") != FORMAT:
        raise InvalidInput(f"{path}: $.format must be {FORMAT!r}, got {metadata.get('format')!r}")
    files = metadata.get("files")
    if not isinstance(files, dict) or not all(
        isinstance(entry, dict) and isinstance(entry.get("sha256"), str) for entry in files.values()
    ):
        raise InvalidInput(f"{path}: $.files must map file names to {{'sha256': ...}}")
    return metadata


def _verify(folder: Path, name: str, entry: dict[str, Any]) -> None:
    if Path(name).name != name:
        raise InvalidInput(f"{folder / METADATA}: $.files[{name!r}] is not a plain file name")
    path = folder / name
    if not path.is_file():
        raise NotFound(f"{path} is missing from the exported folder")
    actual = _sha256(path)
    if actual != entry["sha256"]:
        raise InvalidInput(
            f"{path}: checksum mismatch (sha256 {actual}, metadata.json says {entry['sha256']}); "
            "the file was changed or damaged after export"
        )


def _file_entry(path: Path) -> dict[str, Any]:
    return {"sha256": _sha256(path), "bytes": path.stat().st_size}


def _sha256(path: Path) -> str:
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()
