"""Scoring on Dask workers: the same mini-batches, the same bytes, one output per input file.

The client plans the same `Task`s a local run scores (`plan.batches`) and cuts each file's
tasks into up to `MAX_PARTITIONS_PER_FILE` runs of neighbouring tasks. A worker scores one
partition with the same `Scorer` and writes its bytes itself, next to the output: a file of one
partition straight to its output (atomically, `output.OutputFile`), a larger one as hidden
part files that a last task concatenates in order into the output. The client and scheduler
see only each file's manifest entry, never a prediction.

A worker lost mid-job makes Dask run its tasks again: a part file is written whole from the
start each time under a fixed name, and an output appears under its name only when whole, so
a rerun leaves no duplicate and the same bytes as a clean run.
"""

from __future__ import annotations

import hashlib
import itertools
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from batchops.data.files import read_range
from batchops.data.worker_heap import kept_heap
from batchops.errors import BatchopsError, InvalidInput, JobFailed, at_line
from batchops.store.artifacts import filesystem, is_local, local_path
from batchops.store.outputs import FileEntry
from batchops.transform import formats
from batchops.transform.output import OutputFile, remove_leftovers
from batchops.transform.plan import Task
from batchops.transform.protocol import ModelPayload
from batchops.transform.scoring import JobSpec, Scorer

if TYPE_CHECKING:
    from distributed import Client

MAX_PARTITIONS_PER_FILE = 8
"""A large file's batches are scored by up to this many tasks, in parallel."""

_PART_MARK = ".tmp-part-"
"""Part files are hidden temporary siblings of their output (removed as leftovers too)."""


@dataclass(frozen=True)
class PartWritten:
    """What a worker reports of a partition it wrote: where, and how many records."""

    uri: str
    rows: int
    batches: int


@dataclass(frozen=True)
class DaskScored:
    entries: list[FileEntry]
    rows: int
    batches: int


def score_on_dask(
    client: Client,
    job: JobSpec,
    model: ModelPayload,
    tasks: Iterable[Task],
    targets: Sequence[str],
    names: Sequence[str],
    progress: Callable[[int], None] | None = None,
) -> DaskScored:
    """Score every task on the cluster; the outputs' manifest entries in input order."""
    from distributed import as_completed

    run = uuid.uuid4().hex[:12]
    by_file: dict[int, list[Task]] = {}
    for task in tasks:
        by_file.setdefault(task.file_index, []).append(task)
    shipped = client.scatter(model, broadcast=True, hash=False)
    finals = []
    parts: list[str] = []
    for index, file_tasks in sorted(by_file.items()):
        target, name = targets[index], names[index]
        groups = _partitions(file_tasks, MAX_PARTITIONS_PER_FILE)
        if len(groups) == 1:
            finals.append(
                client.submit(
                    score_to_output,
                    job,
                    shipped,
                    groups[0],
                    target,
                    name,
                    key=f"batchops-score-{run}-{index}",
                    pure=False,
                )
            )
            continue
        written = []
        for number, group in enumerate(groups):
            part = part_uri(target, number)
            parts.append(part)
            written.append(
                client.submit(
                    score_to_part,
                    job,
                    shipped,
                    group,
                    part,
                    key=f"batchops-score-{run}-{index}-{number}",
                    pure=False,
                )
            )
        finals.append(
            client.submit(
                join_parts, written, target, name, key=f"batchops-join-{run}-{index}", pure=False
            )
        )
    try:
        results: dict[object, tuple[FileEntry, int]] = {}
        for future in as_completed(finals):
            entry, batches = _result(future)
            results[future.key] = (entry, batches)
            if progress is not None and entry.rows:
                progress(entry.rows)
    except BaseException:
        client.cancel(finals)
        raise
    finally:
        _remove_parts(parts, targets)
    ordered = [results[future.key] for future in finals]
    entries = [entry for entry, _ in ordered]
    return DaskScored(entries, sum(e.rows or 0 for e in entries), sum(b for _, b in ordered))


def _result(future: object) -> tuple[FileEntry, int]:
    """A finished task's result; a failure the user can fix stays what it is."""
    try:
        return future.result()  # type: ignore[attr-defined]
    except (BatchopsError, JobFailed):
        raise
    except Exception as error:
        raise JobFailed(f"transform on Dask failed: {type(error).__name__}: {error}") from error


def _partitions(tasks: list[Task], count: int) -> list[list[Task]]:
    """Up to `count` runs of neighbouring tasks, of nearly equal numbers of tasks."""
    count = max(1, min(count, len(tasks)))
    bounds = [len(tasks) * i // count for i in range(count + 1)]
    return [tasks[a:b] for a, b in itertools.pairwise(bounds)]


def part_uri(target: str, number: int) -> str:
    if is_local(target):
        path = local_path(target)
        return str(path.with_name(f".{path.name}{_PART_MARK}{number:05d}"))
    folder, _, name = target.rpartition("/")
    return f"{folder}/.{name}{_PART_MARK}{number:05d}"


def _remove_parts(parts: list[str], targets: Sequence[str]) -> None:
    for part in parts:
        fs, path = filesystem(part)
        if fs.exists(path):
            fs.rm(path)
    for target in targets:
        remove_leftovers(target)  # temporary files of tasks that died and ran again


# --- on the workers --------------------------------------------------------------------------

_SCORERS: dict[tuple[str, JobSpec], Scorer] = {}
"""Per worker process: the model loaded once per model and job, shared by its threads."""


def _scorer(job: JobSpec, model: ModelPayload) -> Scorer:
    key = (hashlib.sha256(model.model_bytes).hexdigest(), job)
    scorer = _SCORERS.get(key)
    if scorer is None:
        from batchops.models import flavor
        from batchops.models.manifest import ModelManifest

        manifest = ModelManifest.from_json(model.manifest_json)
        loaded = flavor(manifest.loader, model.source).load(
            model.model_bytes, manifest, model.source
        )
        loaded.set_threads(1)
        scorer = _SCORERS[key] = Scorer(job, loaded)
    return scorer


def _score(job: JobSpec, model: ModelPayload, tasks: Sequence[Task]) -> Iterable[tuple[int, bytes]]:
    """Each task's rows and output bytes, in order; bad input named as a local run names it."""
    from batchops.transform.frames import RecordError

    scorer = _scorer(job, model)
    for task in tasks:
        try:
            scored = scorer.run(task)
        except RecordError as error:
            raise _record_error(task, error.line, error.detail) from None
        except BatchopsError as error:
            raise at_line(task.file.uri, None, str(error)) from None
        yield scored.rows, scored.payload


def score_to_output(
    job: JobSpec, model: ModelPayload, tasks: Sequence[Task], target: str, name: str
) -> tuple[FileEntry, int]:
    """Score a whole file's tasks into its output; its manifest entry."""
    output = OutputFile(target, name)
    try:
        with kept_heap():
            for rows, payload in _score(job, model, tasks):
                output.write(payload)
                output.rows += rows
        return output.commit(), len(tasks)
    except BaseException:
        output.discard()
        raise


def score_to_part(
    job: JobSpec, model: ModelPayload, tasks: Sequence[Task], part: str
) -> PartWritten:
    """Score one partition into its part file, written whole from the start on every run."""
    fs, path = filesystem(part)
    rows = 0
    with kept_heap(), fs.open(path, "wb") as handle:
        for count, payload in _score(job, model, tasks):
            handle.write(payload)
            rows += count
    return PartWritten(part, rows, len(tasks))


def join_parts(parts: Sequence[PartWritten], target: str, name: str) -> tuple[FileEntry, int]:
    """Concatenate a file's part files in order into its output; its manifest entry."""
    output = OutputFile(target, name)
    try:
        for part in parts:
            fs, path = filesystem(part.uri)
            with fs.open(path, "rb") as handle:
                while chunk := handle.read(8 << 20):
                    output.write(chunk)
            output.rows += part.rows
        return output.commit(), sum(part.batches for part in parts)
    except BaseException:
        output.discard()
        raise


def _record_error(task: Task, line: int | None, detail: str) -> InvalidInput:
    """A bad record of `task`, at its line of the file (counted now: errors are rare)."""
    spec = task.file
    if spec.content_type == formats.PARQUET:
        where = f"row {task.first_row + line + 1}" if line is not None else "a row"
        return InvalidInput(f"{spec.uri}, {where} (row group {task.start}): {detail}")
    first = spec.first_line + _lines_between(spec.uri, spec.data_start, task.start)
    if line is None:
        return at_line(spec.uri, None, f"in the lines from {first}: {detail}")
    return at_line(spec.uri, first + line, detail)


def _lines_between(uri: str, start: int, end: int, chunk: int = 8 << 20) -> int:
    lines = 0
    while start < end:
        data = read_range(uri, start, min(end, start + chunk))
        if not data:
            break
        lines += data.count(b"\n")
        start += len(data)
    return lines
