"""A job's output folder as a whole: a manifest, written last, names the files that make it up.

Each file of an output set is replaced atomically, but a re-run killed halfway leaves new
and old files side by side, all complete-looking. So every output folder batchops writes
gets `_batchops_manifest.json` (a `_` name: dataset listings skip it as metadata):

1. `begin_output` replaces any earlier manifest with an *unfinished* one before the first
   file is touched, so a run that dies leaves the folder visibly incomplete;
2. the job writes its files (hashing them as it writes: `Digest`);
3. `OutputWriting.finish` removes files of the earlier set this run did not make, then
   writes the *complete* manifest: each file's size, sha256 and row count where known.

`verify_output` says whether a folder is complete, partial (which files, and why) or has no
manifest at all; a folder without one is data a user brought and is read as it is.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from batchops.crashpoints import NO_CRASH, CrashPoints, output_files
from batchops.errors import InvalidInput
from batchops.store import artifacts

MANIFEST_NAME = "_batchops_manifest.json"
FORMAT_VERSION = 1
_BLOCK = 1 << 20


class IncompleteOutput(InvalidInput):
    """An output folder whose files do not match its manifest: readers refuse it."""


@dataclass(frozen=True)
class FileEntry:
    """One file of an output set; `bytes` and `sha256` are None while the set is written."""

    name: str
    bytes: int | None = None
    sha256: str | None = None
    rows: int | None = None

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "rows": self.rows, "bytes": self.bytes, "sha256": self.sha256}


@dataclass(frozen=True)
class Manifest:
    """What a job wrote into a folder, by whom and when."""

    kind: str
    files: tuple[FileEntry, ...]
    complete: bool
    written_at: str
    execution_id: str | None = None
    step: str | None = None
    model: dict[str, str] | None = None
    replaces: tuple[str, ...] = ()
    """While unfinished: files of the earlier set that this run will remove."""

    @property
    def names(self) -> list[str]:
        return [entry.name for entry in self.files]

    def entry(self, name: str) -> FileEntry | None:
        return next((entry for entry in self.files if entry.name == name), None)

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "format_version": FORMAT_VERSION,
            "complete": self.complete,
            "kind": self.kind,
            "written_at": self.written_at,
            "execution_id": self.execution_id,
            "step": self.step,
            "model": self.model,
            "files": [entry.to_json() for entry in self.files],
        }
        if self.replaces:
            data["replaces"] = list(self.replaces)
        return data

    @classmethod
    def from_json(cls, data: Any, source: str) -> Manifest:
        def bad(detail: str) -> InvalidInput:
            return InvalidInput(f"{source}: not a batchops output manifest ({detail})")

        if not isinstance(data, dict):
            raise bad("expected a JSON object")
        version = data.get("format_version")
        if not isinstance(version, int) or version > FORMAT_VERSION:
            raise bad(f"format_version {version!r} is not one this release reads")
        files = data.get("files")
        if not isinstance(files, list):
            raise bad("files must be a list")
        entries = []
        for index, item in enumerate(files):
            if not isinstance(item, dict) or not isinstance(item.get("name"), str):
                raise bad(f"files[{index}] needs a name")
            entries.append(
                FileEntry(
                    item["name"],
                    _optional(item, "bytes", int, bad),
                    _optional(item, "sha256", str, bad),
                    _optional(item, "rows", int, bad),
                )
            )
        model = data.get("model")
        return cls(
            kind=str(data.get("kind", "")),
            files=tuple(entries),
            complete=data.get("complete") is True,
            written_at=str(data.get("written_at", "")),
            execution_id=data.get("execution_id"),
            step=data.get("step"),
            model=dict(model) if isinstance(model, dict) else None,
            replaces=tuple(str(name) for name in data.get("replaces") or ()),
        )


def _optional(item: dict[str, Any], key: str, kind: type, bad: Any) -> Any:
    value = item.get(key)
    if value is not None and (not isinstance(value, kind) or isinstance(value, bool)):
        raise bad(f"{item['name']}: {key} must be {kind.__name__}")
    return value


class Digest:
    """Size and sha256 of bytes as they are written, so no output is read back to hash it."""

    def __init__(self) -> None:
        self._hash = hashlib.sha256()
        self.size = 0

    def update(self, data: bytes | bytearray | memoryview) -> None:
        self._hash.update(data)
        self.size += len(data)

    def entry(self, name: str, rows: int | None = None) -> FileEntry:
        return FileEntry(name, self.size, self._hash.hexdigest(), rows)


def entry_for_bytes(name: str, data: bytes, rows: int | None = None) -> FileEntry:
    digest = Digest()
    digest.update(data)
    return digest.entry(name, rows)


def hash_file(uri: str, name: str, rows: int | None = None) -> FileEntry:
    """A file's entry, reading it once in blocks."""
    digest = Digest()
    if artifacts.is_local(uri):
        with open(artifacts.local_path(uri), "rb") as handle:
            while block := handle.read(_BLOCK):
                digest.update(block)
    else:
        fs, path = artifacts.filesystem(uri)
        with fs.open(path, "rb") as handle:
            while block := handle.read(_BLOCK):
                digest.update(block)
    return digest.entry(name, rows)


def now_iso() -> str:
    """This moment as a manifest's `written_at` text (an ISO 8601 UTC time)."""
    return datetime.now(UTC).isoformat(timespec="microseconds")


# --- the folder's files -------------------------------------------------------------------


def manifest_uri(folder: str | Path) -> str:
    return artifacts.join(str(folder), MANIFEST_NAME)


def _file_uri(folder: str, name: str) -> str:
    return artifacts.join(folder, name)


@dataclass(frozen=True)
class _Found:
    size: int
    mtime: float | None


def list_output_files(folder: str | Path) -> dict[str, _Found]:
    """The files of an output set found in `folder`, by path below it: every file except
    names starting with `_` or `.` (manifests, temporary files, Spark's markers)."""
    uri = str(folder)
    found: dict[str, _Found] = {}
    if artifacts.is_local(uri):
        root = artifacts.local_path(uri)
        if not root.is_dir():
            return found
        for directory, dirs, names in os.walk(root):
            dirs[:] = [d for d in dirs if not d.startswith(("_", "."))]
            below = Path(directory).relative_to(root)
            for name in names:
                if name.startswith(("_", ".")):
                    continue
                stat = (Path(directory) / name).stat()
                relative = (below / name).as_posix()
                found[relative] = _Found(stat.st_size, stat.st_mtime)
        return found
    fs, path = artifacts.filesystem(uri)
    root_path = path.rstrip("/")
    if not fs.isdir(root_path):
        return found
    for name, info in fs.find(root_path, detail=True).items():
        relative = name[len(root_path) + 1 :]
        if info.get("type") != "file" or any(p.startswith(("_", ".")) for p in relative.split("/")):
            continue
        found[relative] = _Found(int(info.get("size") or 0), None)
    return found


def _remove(folder: str, name: str) -> None:
    uri = _file_uri(folder, name)
    if artifacts.is_local(uri):
        artifacts.local_path(uri).unlink(missing_ok=True)
        return
    fs, path = artifacts.filesystem(uri)
    if fs.exists(path):
        fs.rm(path)


def read_manifest(folder: str | Path) -> Manifest | None:
    """The folder's manifest, or None when it has none (a folder a user brought)."""
    uri = manifest_uri(folder)
    if not artifacts.exists(uri):
        return None
    try:
        data = json.loads(artifacts.read_bytes(uri))
    except ValueError as error:
        raise InvalidInput(f"{uri}: not valid JSON ({error})") from None
    return Manifest.from_json(data, uri)


def write_manifest(folder: str | Path, manifest: Manifest) -> str:
    text = json.dumps(manifest.to_json(), indent=2) + "\n"
    return artifacts.write_text(manifest_uri(folder), text)


def has_manifest(folder: str | Path) -> bool:
    return artifacts.exists(manifest_uri(folder))


# --- writing a set ------------------------------------------------------------------------


@dataclass
class OutputWriting:
    """An output set being written into `folder`; `finish` seals it."""

    folder: str
    unfinished: Manifest
    earlier: Manifest | None

    def abandon(self, touched: bool) -> None:
        """After a failure: when no file of the set was replaced yet, put the earlier manifest
        back (or none), since the folder is as it was; otherwise it stays unfinished."""
        if touched:
            return
        if self.earlier is None:
            _remove(self.folder, MANIFEST_NAME)
        else:
            write_manifest(self.folder, self.earlier)

    def finish(self, entries: Sequence[FileEntry]) -> Manifest:
        """Remove files of the earlier set this run did not make; write the manifest last."""
        made = {entry.name for entry in entries}
        for name in self.unfinished.replaces:
            if name not in made:
                _remove(self.folder, name)
        manifest = replace(
            self.unfinished, files=tuple(entries), complete=True, written_at=now_iso(), replaces=()
        )
        write_manifest(self.folder, manifest)
        return manifest


def publish_output(
    local_dir: Path, uri: str, manifest: Manifest, crash_points: CrashPoints = NO_CRASH
) -> str:
    """Make a finished local folder the output set at `uri`, sealed by `manifest` written last.

    Locally the folder, its manifest already inside, replaces what was there in one rename:
    no moment shows the files without their manifest. In an object store its files are
    uploaded one by one, so an unfinished manifest goes first: until the complete one is
    written, readers see a folder being written, never a mix of the earlier set and this one.
    """
    (local_dir / MANIFEST_NAME).unlink(missing_ok=True)
    if artifacts.is_local(uri):
        write_manifest(local_dir, manifest)
        published = artifacts.publish_directory(local_dir, uri)
        _reached_files(crash_points, manifest)
        return published
    earlier = list_output_files(uri)
    write_manifest(
        uri,
        replace(
            manifest,
            files=tuple(FileEntry(entry.name) for entry in manifest.files),
            complete=False,
            written_at=now_iso(),
            replaces=tuple(name for name in sorted(earlier) if name not in manifest.names),
        ),
    )
    published = artifacts.publish_directory(local_dir, uri, keep=[MANIFEST_NAME])
    _reached_files(crash_points, manifest)
    write_manifest(published, manifest)
    return published


def _reached_files(crash_points: CrashPoints, manifest: Manifest) -> None:
    if manifest.step:
        crash_points.reached(output_files(manifest.step))


def begin_output(
    folder: str | Path,
    kind: str,
    names: Iterable[str],
    *,
    execution_id: str | None = None,
    step: str | None = None,
    model: dict[str, str] | None = None,
) -> OutputWriting:
    """Mark `folder` unfinished (replacing any earlier manifest) before writing `names` into it.

    The unfinished manifest remembers the earlier set's files (of a job of the same kind)
    this run will not write, so they are removed at the end even if a run in between was
    killed.
    """
    uri = str(folder)
    planned = list(dict.fromkeys(names))
    try:
        earlier = read_manifest(uri)
    except InvalidInput:
        earlier = None  # a damaged manifest is replaced; its files are not ours to guess
    # Only a set of the same kind is replaced: another job's files sharing the folder stay.
    same = earlier is not None and earlier.kind == kind
    earlier_names = [*earlier.names, *earlier.replaces] if earlier is not None and same else []
    unfinished = Manifest(
        kind=kind,
        files=tuple(FileEntry(name) for name in planned),
        complete=False,
        written_at=now_iso(),
        execution_id=execution_id,
        step=step,
        model=model,
        replaces=tuple(dict.fromkeys(n for n in earlier_names if n not in set(planned))),
    )
    write_manifest(uri, unfinished)
    return OutputWriting(uri, unfinished, earlier)


def describe_folder(
    folder: str | Path,
    kind: str,
    *,
    known: Manifest | None = None,
    execution_id: str | None = None,
    step: str | None = None,
) -> Manifest:
    """A complete manifest of the files in `folder` now (for outputs made by user code, as a
    pipeline step publishes them). Entries of `known` (the manifest the job itself wrote)
    whose size still matches are taken as they are, so big outputs are not read again."""
    uri = str(folder)
    entries = []
    for name, found in sorted(list_output_files(uri).items()):
        mine = known.entry(name) if known is not None and known.complete else None
        if mine is not None and mine.bytes == found.size and mine.sha256 is not None:
            entries.append(mine)
        else:
            entries.append(hash_file(_file_uri(uri, name), name))
    return Manifest(
        kind=known.kind if known is not None and known.complete else kind,
        files=tuple(entries),
        complete=True,
        written_at=now_iso(),
        execution_id=execution_id,
        step=step,
        model=known.model if known is not None else None,
    )


# --- verifying ----------------------------------------------------------------------------


class OutputStatus(StrEnum):
    COMPLETE = "complete"
    PARTIAL = "partial"
    ABSENT = "absent"


class Problem(StrEnum):
    MISSING = "missing"
    EXTRA = "extra"
    SIZE = "size differs"
    DIGEST = "sha256 differs"
    NEW = "written by the unfinished run"
    OLD = "left from an earlier run"
    UNCONFIRMED = "not confirmed by a finished run"


@dataclass(frozen=True)
class FileProblem:
    name: str
    problem: Problem

    def to_json(self) -> dict[str, str]:
        return {"name": self.name, "problem": str(self.problem)}


@dataclass(frozen=True)
class OutputState:
    folder: str
    status: OutputStatus
    manifest: Manifest | None = None
    problems: tuple[FileProblem, ...] = field(default=())

    @property
    def is_complete(self) -> bool:
        return self.status == OutputStatus.COMPLETE

    def describe(self) -> str:
        """One line for a person: what is wrong with the folder, naming the files."""
        if self.status == OutputStatus.ABSENT:
            return f"{self.folder}: no batchops output manifest ({MANIFEST_NAME})"
        assert self.manifest is not None
        what = f"{self.manifest.kind} output" if self.manifest.kind else "output"
        count = len(self.manifest.files)
        if self.status == OutputStatus.COMPLETE:
            return f"{self.folder}: complete {what}, {count} file(s) match the manifest"
        if not self.manifest.complete:
            head = (
                f"{self.folder}: incomplete {what}: the run that started writing it at "
                f"{self.manifest.written_at} did not finish"
            )
        else:
            head = f"{self.folder}: partial {what}: its files do not match the manifest"
        shown = "; ".join(f"{p.name}: {p.problem}" for p in self.problems[:10])
        more = f"; and {len(self.problems) - 10} more" if len(self.problems) > 10 else ""
        return f"{head} ({shown}{more})" if shown else head

    def to_json(self) -> dict[str, Any]:
        return {
            "folder": self.folder,
            "status": str(self.status),
            "manifest": self.manifest.to_json() if self.manifest is not None else None,
            "problems": [p.to_json() for p in self.problems],
        }


def verify_output(
    folder: str | Path, *, digests: bool = True, only: Sequence[str] | None = None
) -> OutputState:
    """Whether `folder` holds the complete set its manifest names.

    `digests=False` checks presence and sizes only (cheap, for readers of big data about to
    read it anyway); `only` limits the check to some files (a reader of two files of a set).
    """
    uri = str(folder).rstrip("/") or "/"
    manifest = read_manifest(uri)
    if manifest is None:
        return OutputState(uri, OutputStatus.ABSENT)
    on_disk = list_output_files(uri)
    wanted = set(only) if only is not None else None
    problems: list[FileProblem] = []
    if not manifest.complete:
        problems = _unfinished_problems(manifest, on_disk, _local_mtime(manifest_uri(uri)))
    else:
        for entry in manifest.files:
            if wanted is not None and entry.name not in wanted:
                continue
            found = on_disk.get(entry.name)
            if found is None:
                problems.append(FileProblem(entry.name, Problem.MISSING))
            elif entry.bytes is not None and found.size != entry.bytes:
                problems.append(FileProblem(entry.name, Problem.SIZE))
            elif digests and entry.sha256 is not None:
                actual = hash_file(_file_uri(uri, entry.name), entry.name)
                if actual.sha256 != entry.sha256:
                    problems.append(FileProblem(entry.name, Problem.DIGEST))
        if wanted is None:  # a file outside the set is only a reader's concern if it lists all
            listed = set(manifest.names)
            problems += [FileProblem(n, Problem.EXTRA) for n in sorted(on_disk) if n not in listed]
    status = OutputStatus.PARTIAL if problems or not manifest.complete else OutputStatus.COMPLETE
    return OutputState(uri, status, manifest, tuple(problems))


def _unfinished_problems(
    manifest: Manifest, on_disk: dict[str, _Found], started: float | None
) -> list[FileProblem]:
    """Each planned file: missing, or (locally: modified since the unfinished manifest was
    written, by the same file-system clock) written by the unfinished run or left from an
    earlier one; and the earlier set's files still waiting to be removed."""
    problems = []
    for name in [*manifest.names, *manifest.replaces]:
        found = on_disk.get(name)
        if found is None:
            if name in manifest.replaces:
                continue
            problems.append(FileProblem(name, Problem.MISSING))
        elif name in manifest.replaces:
            problems.append(FileProblem(name, Problem.OLD))
        elif found.mtime is None or started is None:
            problems.append(FileProblem(name, Problem.UNCONFIRMED))
        else:
            problems.append(
                FileProblem(name, Problem.NEW if found.mtime >= started else Problem.OLD)
            )
    return problems


def _local_mtime(uri: str) -> float | None:
    if not artifacts.is_local(uri):
        return None
    try:
        return artifacts.local_path(uri).stat().st_mtime
    except OSError:
        return None


def require_complete(
    folder: str | Path, what: str, *, digests: bool = False, only: Sequence[str] | None = None
) -> OutputState:
    """Refuse a folder batchops wrote whose files do not match its manifest; a folder without
    a manifest (brought by a user) passes as it is. `what` says what the reader wanted."""
    state = verify_output(folder, digests=digests, only=only)
    if state.status == OutputStatus.PARTIAL:
        raise IncompleteOutput(
            f"cannot use {what}: {state.describe()}; run the job that writes it again "
            f"(`batchops outputs verify {state.folder}` shows the details)"
        )
    return state


def require_complete_file(file: str | Path, what: str, *, digests: bool = True) -> None:
    """Refuse one file of an output set whose manifest does not vouch for it (by default
    with its digest: such files are small, like a baseline's statistics); a file in a folder
    without a manifest, or not named by it, passes."""
    text = str(file)
    if "/" not in text.rstrip("/"):
        text = f"./{text}"
    folder, _, name = text.rstrip("/").rpartition("/")
    require_complete(folder or "/", what, digests=digests, only=[name])
