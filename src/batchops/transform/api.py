"""`transform()`: score every record of an input with a model, output in input order.

The main process plans mini-batches, feeds them round-robin to N worker processes (each
loads the model once and scores cores/N batches at a time on its own threads), and appends
each batch's output to its file as soon as it and every batch before it are done. Reading,
scoring and writing overlap, and memory stays bounded by batch size times batches in
flight (cores + N), never by the input.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, assert_never

from batchops.data.cluster import dask_address, dask_client, require_visible
from batchops.data.files import DataFile, list_data_files, read_range
from batchops.errors import BatchopsError, InvalidInput, JobFailed, at_line
from batchops.extras import require_extra
from batchops.models.artifact import ModelFiles
from batchops.models.loaded import LoadedModel
from batchops.models.manifest import ModelManifest
from batchops.store.outputs import FileEntry, begin_output
from batchops.transform import formats, libsvm
from batchops.transform.jsonpath import JsonPath, parse
from batchops.transform.output import (
    OutputFile,
    output_name,
    output_uri,
    prepare_output_root,
    remove_leftovers,
)
from batchops.transform.plan import (
    FileSpec,
    Task,
    batches,
    csv_positions,
    parquet_layout,
    plan_file,
)
from batchops.transform.scoring import JobSpec

if TYPE_CHECKING:
    from distributed import Client

    from batchops.transform.pool import WorkerPool

DEFAULT_MAX_ROWS = 100_000
DEFAULT_MAX_BYTES = 16 << 20

Progress = Callable[[int], None]
_ON_DASK = "scoring on Dask (`dask`, BATCHOPS_DASK_ADDRESS)"


@dataclass(frozen=True)
class TransformResult:
    rows: int
    input_files: list[str]
    output_files: list[str]
    seconds: float
    batches: int
    workers: int
    layout: str = "prepared"
    unknown_categories: dict[str, int] = field(default_factory=dict)
    """Raw input: per categorical column, the rows whose category training never saw."""

    @property
    def rows_per_second(self) -> float:
        return self.rows / max(self.seconds, 1e-9)

    def to_dict(self, model: str) -> dict[str, Any]:
        """The summary `batchops transform --json` prints and the API returns; `model` as used."""
        return {
            "model": model,
            "rows": self.rows,
            "input_files": self.input_files,
            "output_files": self.output_files,
            "seconds": round(self.seconds, 3),
            "rows_per_second": round(self.rows_per_second),
            "workers": self.workers,
            **(
                {"layout": self.layout, "unknown_categories": self.unknown_categories}
                if self.layout != "prepared"
                else {}
            ),
        }


def transform(
    model: str | Path | LoadedModel | ModelFiles,
    input: str | Path,
    output: str | Path,
    *,
    workers: int = 1,
    content_type: str | None = None,
    accept: str | None = None,
    header: bool | None = None,
    input_filter: str | None = None,
    output_filter: str | None = None,
    join_source: bool = False,
    max_rows_per_batch: int = DEFAULT_MAX_ROWS,
    max_bytes_per_batch: int = DEFAULT_MAX_BYTES,
    progress: Progress | None = None,
    model_reference: str | None = None,
    dask: str | None = None,
    id_column: str | None = None,
    id_prefix: str | None = None,
    raw_input: bool | None = None,
) -> TransformResult:
    """Write `<input file>.out` under `output` for each input file: one line per record.

    `workers` processes score in parallel (0 scores in this process: no start-up cost for
    small inputs). `content_type` defaults to what each file's extension says (CSV
    otherwise); `accept` to the input's type (CSV for Parquet). `header=None` detects a
    CSV header. Filters and `join_source` follow SageMaker batch transform's
    DataProcessing. `progress` is called with the number of rows of each finished batch.
    The output folder gets a manifest (`batchops.store.outputs`) naming `model_reference`
    (the registry version the model came from) when given: unfinished from the first output
    written, complete after the last, so a re-run that fails halfway is visibly partial.
    Workers are fresh interpreters, so a calling script needs no `__main__` guard.
    `dask`: a Dask scheduler's address (or `local`) to score on instead of local worker
    processes (default BATCHOPS_DASK_ADDRESS; unset: here), same outputs byte for byte
    (`transform.on_dask`).
    A raw extract (a header of raw column names, for a model carrying its preprocessing) is
    scored through that encoding instead (`transform.traced`), its predictions' inference ids
    (`id_column`'s value, or `<id_prefix>/<file>/<row>`) kept beside the output; the prepared
    layout's are kept when `id_prefix` is given (a pipeline passes its execution id).
    `model` may be files already read (`read_model_files`) and `raw_input` the layout the
    caller already decided (`traced.is_raw_input`), so a step that checks the batch first
    reads the archive and decides once; None decides here.
    """
    if libsvm.is_libsvm(content_type):  # rewritten as CSV of the model's width, then scored
        read = _read_once(model)
        with tempfile.TemporaryDirectory(prefix="batchops-libsvm-") as folder:
            converted = libsvm.as_csv(
                list_data_files(input, "text/csv", exclude=output),
                Path(folder),
                _width(read),
            )
            return transform(
                read, converted, output, workers=workers, content_type="text/csv",
                accept=accept, header=False, input_filter=input_filter,
                output_filter=output_filter, join_source=join_source,
                max_rows_per_batch=max_rows_per_batch, max_bytes_per_batch=max_bytes_per_batch,
                progress=progress, model_reference=model_reference, dask=dask,
                id_column=id_column, id_prefix=id_prefix, raw_input=False,
            )  # fmt: skip
    started = time.perf_counter()
    _check_limits(workers, max_rows_per_batch, max_bytes_per_batch)
    in_path, out_path = parse(input_filter), parse(output_filter)
    address = dask_address(dask)
    if address is not None:
        require_extra("dask", "dask", "distributed", purpose=_ON_DASK)
    # Workers start first: their imports overlap with listing, loading the model, planning.
    pool = _start_workers(workers) if address is None else None
    with contextlib.ExitStack() as stack:
        if pool is not None:
            stack.callback(pool.terminate)
        files = list_data_files(input, content_type, exclude=output)
        prefix = id_prefix or f"transform-{uuid.uuid4().hex[:12]}"
        read = _read_once(model)
        raw = _score_raw(
            read,
            raw_input,
            files,
            str(output),
            id_column,
            prefix,
            input_filter,
            join_source,
            output_filter,
            model_reference,
            started,
        )
        if raw is not None:
            return raw
        if id_column:
            raise InvalidInput(
                f"id column {id_column!r}: only a raw file with a header names its columns; "
                "the prepared, headerless layout gets generated inference ids"
            )
        source = _model_source(read, load=pool is None and address is None)
        specs = [
            plan_file(item, formats.of_file(item), header, source.manifest, in_path)
            for item in files
        ]
        _check_outputs(specs, accept, join_source, out_path)
        root = str(output)
        prepare_output_root(root)
        client = None
        if address is not None:
            client = stack.enter_context(dask_client(address, purpose=_ON_DASK))
            require_visible(client, address, [spec.uri for spec in specs] + [root])
        names = [output_name(spec.input) for spec in specs]
        targets = [output_uri(root, name) for name in names]
        for target in targets:
            remove_leftovers(target)
        job = JobSpec(accept, input_filter, output_filter, join_source, max_rows_per_batch)
        model_used = {"uri": source.origin}
        if model_reference:
            model_used["reference"] = model_reference
        writing = begin_output(root, "transform", names, model=model_used)
        assembler = _Assembler(specs, targets, names, progress)
        tasks = batches(specs, max_bytes_per_batch)
        try:
            if client is not None:
                count = _score_on_dask(client, job, source, tasks, assembler)
            elif pool is None:
                assert source.loaded is not None
                count = _score_here(job, source.loaded, tasks, assembler)
            else:
                count = _score_in_workers(job, source, tasks, assembler, pool)
            assembler.finish()
        except BaseException:
            assembler.abort()
            writing.abandon(touched=bool(assembler.entries) or client is not None)
            raise
        writing.finish(assembler.entries)
        if id_prefix and not join_source and out_path.is_root:
            from batchops.transform.traced import trace_prepared_output

            trace_prepared_output(
                root,
                [spec.input for spec in specs],
                prefix,
                targets,
                source.manifest.objective,
            )
    return TransformResult(
        rows=assembler.rows,
        input_files=[spec.uri for spec in specs],
        output_files=targets,
        seconds=time.perf_counter() - started,
        batches=count,
        workers=0 if address is not None else workers,
    )


def _width(model: LoadedModel | ModelFiles) -> int:
    """How many features the model takes (what a libsvm row is widened or cut to)."""
    manifest = model.manifest
    if manifest is None:
        raise InvalidInput("libsvm input needs a model whose manifest names its features")
    return int(manifest.n_features)


def _read_once(model: str | Path | LoadedModel | ModelFiles) -> LoadedModel | ModelFiles:
    """The model as this job uses it: the archive's files read once for the whole job (or
    what the caller read or loaded already)."""
    from batchops.models import read_model_files

    if isinstance(model, LoadedModel | ModelFiles):
        return model
    return read_model_files(model)


def _score_raw(
    model: LoadedModel | ModelFiles,
    raw_input: bool | None,
    files: list[DataFile],
    output: str,
    id_column: str | None,
    prefix: str,
    input_filter: str | None,
    join_source: bool,
    output_filter: str | None,
    model_reference: str | None,
    started: float,
) -> TransformResult | None:
    """The raw-extract path (`transform.traced`), or None when the input is the prepared layout."""
    from batchops.transform.traced import is_raw_input, score_raw

    if isinstance(model, LoadedModel) or model.preprocessing is None:
        return None
    if not (is_raw_input(files, model) if raw_input is None else raw_input):
        return None
    model_used = {"uri": model.source}
    if model_reference:
        model_used["reference"] = model_reference
    scored = score_raw(
        files,
        output,
        model,
        id_column=id_column,
        id_prefix=prefix,
        input_filter=input_filter,
        join_source=join_source,
        output_filter=output_filter,
        model_used=model_used,
    )
    return TransformResult(
        rows=scored.rows,
        input_files=scored.input_files,
        output_files=scored.output_files,
        seconds=time.perf_counter() - started,
        batches=len(files),
        workers=0,
        layout="raw",
        unknown_categories=scored.unknown_categories,
    )


def _check_outputs(
    specs: list[FileSpec], accept: str | None, join_source: bool, out_path: JsonPath
) -> None:
    joins = join_source or not out_path.is_root
    for spec in specs:
        output_type = formats.output_type(accept, spec.content_type)
        if joins and spec.content_type not in (formats.PARQUET, output_type):
            raise InvalidInput(
                f"{spec.uri}: join_source and output_filter need the output in the input's "
                f"format ({spec.content_type}), but accept is {output_type}"
            )
        if spec.content_type == formats.CSV and not out_path.is_root:
            csv_positions(out_path, spec.width + 1 if join_source else 1)


@dataclass(frozen=True)
class _ModelSource:
    manifest: ModelManifest
    model_bytes: bytes
    origin: str
    loaded: LoadedModel | None


def _model_source(model: LoadedModel | ModelFiles, load: bool) -> _ModelSource:
    """The model's manifest and file bytes; loaded here only when scoring here.

    With a manifest, workers load the booster themselves, so this process never imports
    XGBoost and the workers' start-up is not delayed by it.
    """
    from batchops.models import flavor, load_files

    if isinstance(model, LoadedModel):
        return _ModelSource(model.manifest, model.to_bytes(), "the given model", model)
    files = model
    if files.manifest is None or load:
        loaded = load_files(files)  # the files read above, not a second download
        return _ModelSource(loaded.manifest, loaded.to_bytes(), files.source, loaded)
    check = getattr(flavor(files.manifest.loader, files.source), "check", None)
    if check is not None:
        check(files.model_bytes, files.manifest, files.source)
    return _ModelSource(files.manifest, files.model_bytes, files.source, None)


def _check_limits(workers: int, max_rows: int, max_bytes: int) -> None:
    if workers < 0:
        raise InvalidInput(f"workers must be 0 (in this process) or more, got {workers}")
    if max_rows < 1:
        raise InvalidInput(f"max_rows_per_batch must be at least 1, got {max_rows}")
    if max_bytes < 1024:
        raise InvalidInput(f"max_bytes_per_batch must be at least 1024, got {max_bytes}")


def _start_workers(workers: int) -> WorkerPool | None:
    if workers == 0:
        return None
    from batchops.transform.pool import WorkerPool

    return WorkerPool(workers, threads=max(1, (os.cpu_count() or 1) // workers))


class _Assembler:
    """Appends batch outputs in order; an output file is published once complete."""

    def __init__(
        self,
        specs: list[FileSpec],
        targets: list[str],
        names: list[str],
        progress: Progress | None,
    ):
        self.specs = specs
        self.targets = targets
        self.names = names
        self.progress = progress
        self.rows = 0
        self.entries: list[FileEntry] = []
        """The manifest entries of the files published so far."""
        self._index = -1
        self._file: OutputFile | None = None
        self._line = 0

    def _switch(self, index: int) -> None:
        while self._index < index:
            if self._file is not None:
                self.entries.append(self._file.commit())
                self._file = None
            self._index += 1
            if self._index < len(self.specs):
                self._file = OutputFile(self.targets[self._index], self.names[self._index])
                self._line = self.specs[self._index].first_line

    def add(self, task: Task, rows: int, lines: int, payload: bytes) -> None:
        self._switch(task.file_index)
        assert self._file is not None
        self._file.write(payload)
        self._file.rows += rows
        self._line += lines
        self.rows += rows
        if self.progress is not None:
            self.progress(rows)

    def record_error(self, task: Task, line: int | None, detail: str) -> InvalidInput:
        """Bad input at a record of `task`: name the file's line (or Parquet row)."""
        self._switch(task.file_index)
        spec = task.file
        if spec.content_type == formats.PARQUET:
            where = f"row {task.first_row + line + 1}" if line is not None else "a row"
            return InvalidInput(f"{spec.uri}, {where} (row group {task.start}): {detail}")
        if line is None:
            return at_line(spec.uri, None, f"in the lines from {self._line}: {detail}")
        return at_line(spec.uri, self._line + line, detail)

    def describe(self, task: Task) -> str:
        spec = task.file
        if spec.content_type == formats.PARQUET:
            return f"row group {task.start} of {spec.uri}"
        return f"the batch from line {self._line} (byte {task.start}) of {spec.uri}"

    def finish(self) -> None:
        self._switch(len(self.specs))

    def published_elsewhere(self, entries: list[FileEntry], rows: int) -> None:
        """Every output was written by others (Dask workers): take their entries."""
        self.entries, self.rows, self._index = entries, rows, len(self.specs)

    def abort(self) -> None:
        if self._file is not None:
            self._file.discard()
            self._file = None


def _score_on_dask(
    client: Client, job: JobSpec, model: _ModelSource, tasks: Iterator[Task], out: _Assembler
) -> int:
    from batchops.transform.on_dask import score_on_dask
    from batchops.transform.protocol import ModelPayload

    payload = ModelPayload(model.manifest.to_json(), model.model_bytes, model.origin)
    done = score_on_dask(client, job, payload, tasks, out.targets, out.names, out.progress)
    out.published_elsewhere(done.entries, done.rows)
    return done.batches


def _score_here(job: JobSpec, model: LoadedModel, tasks: Iterator[Task], out: _Assembler) -> int:
    from batchops.transform.frames import RecordError
    from batchops.transform.scoring import Scorer

    model.set_threads(os.cpu_count() or 1)
    scorer = Scorer(job, model)
    count = 0
    for task in tasks:
        try:
            scored = scorer.run(task)
        except RecordError as exc:
            raise out.record_error(task, exc.line, exc.detail) from None
        except BatchopsError as exc:  # as a worker reports it: named by its file
            raise at_line(task.file.uri, None, str(exc)) from None
        out.add(task, scored.rows, scored.lines, scored.payload)
        count += 1
    return count


def _score_in_workers(
    job: JobSpec, model: _ModelSource, tasks: Iterator[Task], out: _Assembler, pool: WorkerPool
) -> int:
    from batchops.transform.pool import WorkerDied
    from batchops.transform.protocol import (
        LOADING_MODEL,
        BadInput,
        BadRecord,
        BatchScored,
        ModelPayload,
        WorkerError,
        WorkerInit,
    )

    workers = pool.size
    payload = ModelPayload(model.manifest.to_json(), model.model_bytes, model.origin)
    in_flight: deque[Task] = deque()
    count = 0

    def fill() -> None:
        while len(in_flight) < workers * (pool.threads + 1):
            task = next(tasks, None)
            if task is None:
                return
            pool.submit(task.seq % workers, task)
            in_flight.append(task)

    current: Task | None = None
    try:
        pool.start(WorkerInit(job, payload))
        fill()
        while in_flight:
            current = in_flight.popleft()
            reply, data = pool.receive(current.seq % workers)
            fill()
            match reply:
                case BatchScored(rows=rows, lines=lines):
                    assert data is not None
                    out.add(current, rows, lines, data)
                    count += 1
                case BadRecord(line=line, detail=detail):
                    raise out.record_error(current, line, detail)
                case BadInput(seq=seq, message=message) if seq == LOADING_MODEL:
                    raise InvalidInput(message)
                case BadInput(message=message):
                    raise at_line(current.file.uri, None, message)
                case WorkerError(trace=trace):
                    raise JobFailed(
                        f"transform worker failed on {out.describe(current)}:\n{trace.rstrip()}"
                    )
                case _:
                    assert_never(reply)
    except WorkerDied as exc:
        held = [t for t in [current, *in_flight] if t is not None and t.seq % workers == exc.index]
        where = f" while scoring {out.describe(held[0])}" if held else ""
        raise JobFailed(
            f"{exc.describe()}{where}; the transform stopped and published no output for "
            "that file (run it again to retry)"
        ) from None
    pool.close()
    return count


def estimate_rows(input: str | Path, content_type: str | None = None) -> int | None:
    """A quick estimate of the number of records (exact for Parquet), for progress bars."""
    if libsvm.is_libsvm(content_type):  # a line per record, as CSV without a header
        content_type = "text/csv"
    try:
        files: list[DataFile] = list_data_files(input, content_type)
    except InvalidInput:
        return None
    total = 0.0
    for item in files:
        if formats.of_file(item) == formats.PARQUET:
            with contextlib.suppress(InvalidInput):
                total += sum(parquet_layout(item)[0])
            continue
        if item.is_compressed:
            continue  # its decompressed size is unknown until read
        sample = read_range(item.uri, 0, min(item.size, 1 << 20))
        lines = max(1, sample.count(b"\n"))
        total += item.size * lines / max(1, len(sample))
    return int(total)
