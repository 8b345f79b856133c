"""Removing what old executions left behind, never a file a registered model version uses.

An execution's files are its step outputs and logs (`<artifacts>/pipelines/<p>/executions/<id>/`,
logs in its `_logs/`), its leftover work folder and, from homes of earlier releases, logs under
`<home>/logs/<id>/`. A registered version points at
files by URI (model data, statistics, constraints, metrics); every one of those, and anything
under one of them, is kept, whichever execution wrote it.
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from batchops.errors import InvalidInput
from batchops.registry.versions import registered_uris
from batchops.settings import get_settings
from batchops.store import artifacts, executions

_AGE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhdw])\s*$")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}


def parse_age(text: str) -> timedelta:
    """`30d`, `12h`, `90m`, `45s` or `2w` as a timedelta."""
    found = _AGE.match(text)
    if found is None:
        raise InvalidInput(f"age {text!r}: expected a number and a unit (s, m, h, d, w), e.g. 30d")
    return timedelta(seconds=float(found.group(1)) * _UNIT_SECONDS[found.group(2)])


@dataclass
class Removal:
    """What removing one execution's files frees (or would free), and what it keeps."""

    execution_id: str
    pipeline: str
    ended_at: datetime | None
    files: list[str] = field(default_factory=list)
    bytes: int = 0
    kept: list[str] = field(default_factory=list)  # referenced by a registered version


def referenced_paths() -> list[str]:
    """Every path a registered model version points at, in its filesystem's own spelling."""
    return sorted({_path_of(uri) for uri in registered_uris()})


def _path_of(uri: str) -> str:
    if artifacts.is_local(uri):
        return str(artifacts.local_path(uri).resolve()).rstrip("/")
    return str(artifacts.filesystem(uri)[1]).rstrip("/")


def _is_referenced(path: str, referenced: list[str]) -> bool:
    return any(path == ref or path.startswith(ref + "/") for ref in referenced)


def plan_removal(
    execution_id: str,
    pipeline: str,
    ended_at: datetime | None,
    referenced: list[str] | None = None,
) -> Removal:
    """The files of one execution that may go, and those a registered version keeps
    (`referenced`: `referenced_paths()`, read once by a caller planning many)."""
    removal = Removal(execution_id, pipeline, ended_at)
    referenced = referenced_paths() if referenced is None else referenced
    root = artifacts.execution_output_uri(pipeline, execution_id)
    fs, path = artifacts.filesystem(root)
    if artifacts.is_local(root):
        path = str(artifacts.local_path(root).resolve())
    found = fs.find(path, detail=True) if fs.exists(path) else {}
    home = get_settings().home
    for folder in (home / "work" / execution_id, home / "logs" / execution_id):
        if folder.is_dir():
            files = (p for p in folder.rglob("*") if p.is_file())
            found.update({str(p.resolve()): {"size": p.stat().st_size} for p in files})
    for name, info in sorted(found.items()):
        if _is_referenced(str(name), referenced):
            removal.kept.append(str(name))
        else:
            removal.files.append(str(name))
            removal.bytes += int(info.get("size") or 0)
    return removal


def remove(removal: Removal) -> None:
    """Delete the planned files, then the folders left empty (the kept files' stay)."""
    root = artifacts.execution_output_uri(removal.pipeline, removal.execution_id)
    fs, _ = artifacts.filesystem(root)
    home = get_settings().home
    for name in removal.files:
        if artifacts.is_local(root) or name.startswith(f"{home.resolve()}/"):
            Path(name).unlink(missing_ok=True)
        else:
            fs.rm_file(name)
    local_roots = [home / "work" / removal.execution_id, home / "logs" / removal.execution_id]
    if artifacts.is_local(root):
        local_roots.append(artifacts.local_path(root))
    for folder in local_roots:
        if folder.is_dir():
            _remove_empty_folders(folder)


def _remove_empty_folders(top: Path) -> None:
    for child in sorted(top.rglob("*"), key=lambda p: len(p.parts), reverse=True):
        if child.is_dir() and not any(child.iterdir()):
            child.rmdir()
    if not any(top.iterdir()):
        shutil.rmtree(top, ignore_errors=True)


def delete_execution(execution_id: str) -> Removal:
    """Delete an execution's record and files (an Executing one is refused)."""
    row = executions.get_execution_row(execution_id)
    removal = plan_removal(execution_id, row.pipeline_name, row.ended_at)
    executions.delete_execution_rows(execution_id)  # refuses an Executing one, atomically
    remove(removal)
    return removal


def collect_garbage(older_than: timedelta, *, apply: bool) -> list[Removal]:
    """The files of executions that ended more than `older_than` ago; deleted when `apply`.

    Records stay (history and lineage keep reading them); only files go.
    """
    cutoff = executions.now() - older_than
    referenced = referenced_paths()  # once: every version's files, whatever the executions
    removals = [
        plan_removal(row.id, row.pipeline_name, row.ended_at, referenced)
        for row in executions.ended_before(cutoff)
    ]
    removals = [r for r in removals if r.files]
    if apply:
        for removal in removals:
            remove(removal)
    return removals
