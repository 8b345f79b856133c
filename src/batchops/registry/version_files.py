"""A version's own files: copied into its folder at registration, checked whenever they are read.

Each version owns `<artifacts>/registry/<group>/<version>/` (model.tar.gz, evaluation.json,
statistics.json, constraints.json). The folder is assembled beside its home and renamed into
place once, and the sha256 and size of every file are kept in the version's row. Nothing else
writes there, so deleting or re-running the execution that made a version, or importing
another copy of it, cannot change what an approval approved; a change made on disk anyway is
found by `verify_files` before the files are used.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from batchops.errors import Conflict, InvalidInput, NotFound
from batchops.store import artifacts

if TYPE_CHECKING:
    from batchops.registry.values import ModelVersion

MODEL_FILE = "model.tar.gz"
EVALUATION_FILE = "evaluation.json"
STATISTICS_FILE = "statistics.json"
CONSTRAINTS_FILE = "constraints.json"
# The raw-layout baseline (named columns, as a daily extract arrives) and the holdout's score
# distribution (the reference of prediction drift), kept when training recorded them.
RAW_STATISTICS_FILE = "raw-statistics.json"
RAW_CONSTRAINTS_FILE = "raw-constraints.json"
SCORE_DISTRIBUTION_FILE = "score-distribution.json"
# Each file of a version and the version field holding its URI.
FILE_FIELDS = {
    MODEL_FILE: "model_data_uri",
    EVALUATION_FILE: "metrics_uri",
    STATISTICS_FILE: "statistics_uri",
    CONSTRAINTS_FILE: "constraints_uri",
    RAW_STATISTICS_FILE: "raw_statistics_uri",
    RAW_CONSTRAINTS_FILE: "raw_constraints_uri",
    SCORE_DISTRIBUTION_FILE: "score_distribution_uri",
}
SHA256 = re.compile(r"[0-9a-f]{64}")


class VersionFilesChanged(Conflict):
    """A registered version's file no longer matches the digest recorded at registration."""


@dataclass(frozen=True)
class StagedFiles:
    """Files copied into a staging folder, with what was recorded about each."""

    folder: Path
    entries: dict[str, dict[str, Any]]


@contextmanager
def staged_files(
    group: str,
    sources: Mapping[str, str | None],
    *,
    expected_sha256: Mapping[str, str] | None = None,
    follow_symlinks: bool = True,
) -> Iterator[StagedFiles]:
    """Copy `sources` (file name -> URI) beside the group's folder and digest the copies.

    `expected_sha256` (an import's checksums) is compared with the copies themselves, so a file
    swapped after it was first checked is caught too. The staging folder is gone afterwards
    unless it was published.
    """
    given = {name: uri for name, uri in sources.items() if uri}
    for name, uri in given.items():
        _require_file(name, uri)
    home = artifacts.join(artifacts.artifacts_root(), "registry", group, ".new")
    with artifacts.staging_directory(home) as folder:
        entries: dict[str, dict[str, Any]] = {}
        for name, uri in given.items():
            target = folder / name
            try:
                artifacts.copy_file(uri, target, follow_symlinks=follow_symlinks)
            except OSError as error:
                raise InvalidInput(
                    f"cannot copy the version's {name} from {uri}: {error}"
                ) from error
            sha256, size = artifacts.file_digest(target)
            wanted = (expected_sha256 or {}).get(name)
            if wanted is not None and wanted != sha256:
                raise InvalidInput(
                    f"{uri}: checksum mismatch (sha256 {sha256}, expected {wanted}); "
                    "the file was changed or damaged"
                )
            if name == MODEL_FILE:
                _validate_model(target, str(uri))
            entries[name] = {"sha256": sha256, "bytes": size, "source_uri": str(uri)}
        yield StagedFiles(folder, entries)


def _validate_model(copy: Path, source: str) -> None:
    """Load the copy as scoring would, so a bad model never becomes a version; the error
    names the file the user gave, not the staging copy."""
    from batchops.models import validate_model

    try:
        validate_model(copy)
    except InvalidInput as error:
        raise InvalidInput(str(error).replace(str(copy), source)) from None


def _require_file(name: str, uri: str) -> None:
    if not artifacts.exists(uri):
        raise NotFound(f"the version's {name} does not exist: {uri}")
    if artifacts.is_local(uri) and not artifacts.local_path(uri).is_file():
        raise InvalidInput(f"the version's {name} must be a file, not a folder: {uri}")


def file_problems(version: ModelVersion) -> list[str]:
    """What is wrong with the version's files (empty when every one matches its digest)."""
    if not version.files:
        return [f"{version.ref}: no file digests recorded"]
    problems: list[str] = []
    for name, entry in sorted(version.files.items()):
        field = FILE_FIELDS.get(name)
        uri = getattr(version, field) if field else None
        if not uri:
            problems.append(f"{name}: recorded but the version names no such file")
            continue
        if entry.get("missing") or not entry.get("sha256"):
            problems.append(f"{name}: missing since the registry was upgraded (was at {uri})")
            continue
        if not artifacts.exists(uri):
            problems.append(f"{name}: missing at {uri}")
            continue
        sha256, size = artifacts.file_digest(uri)
        if sha256 != entry["sha256"]:
            problems.append(
                f"{name}: changed since registration at {uri} "
                f"(sha256 {sha256}, {size} bytes; recorded {entry['sha256']}, "
                f"{entry.get('bytes')} bytes)"
            )
    return problems


def verified(version: ModelVersion) -> ModelVersion:
    """`version`, once every one of its files matches the digest recorded at registration."""
    problems = file_problems(version)
    if problems:
        raise VersionFilesChanged(
            f"model version {version.ref} cannot be used: {'; '.join(problems)}; "
            f"see batchops registry verify {version.ref}"
        )
    return version
