"""`batchops transform`: score a batch with a registered model version or a model file.

`--model GROUP` uses the group's latest approved version, `GROUP/VERSION` that version,
and an existing path (model.tar.gz or a folder holding it) is used as is. Progress goes to
stderr; stdout gets a summary, or exactly one JSON object with --json.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Annotated

import typer

Progress = Callable[[int], None] | None


def register(app: typer.Typer) -> None:
    app.command(name="transform")(transform_command)


def transform_command(
    model: Annotated[
        str,
        typer.Option(
            "--model",
            help="GROUP (its latest approved version), GROUP/VERSION, or a model.tar.gz path.",
        ),
    ],
    input: Annotated[
        str,
        typer.Option("--input", help="A file, a folder or a prefix (local or fsspec URL)."),
    ],
    output: Annotated[str, typer.Option("--output", help="Folder for the <input file>.out files.")],
    workers: Annotated[
        int,
        typer.Option(help="Worker processes sharing the cores (0: score in this process)."),
    ] = 1,
    input_filter: Annotated[
        str | None,
        typer.Option("--input-filter", help="JSONPath of what the model reads, e.g. '$[1:]'."),
    ] = None,
    output_filter: Annotated[
        str | None,
        typer.Option("--output-filter", help="JSONPath of what to keep, e.g. '$[0,-1]'."),
    ] = None,
    join_source: Annotated[
        bool, typer.Option("--join-source", help="Append each prediction to its input record.")
    ] = False,
    content_type: Annotated[
        str | None,
        typer.Option(
            "--content-type",
            help="text/csv, application/jsonlines, application/x-parquet or text/libsvm "
            "(default: from the file extension; libsvm only when given).",
        ),
    ] = None,
    accept: Annotated[
        str | None,
        typer.Option("--accept", help="Output format: text/csv or application/jsonlines."),
    ] = None,
    header: Annotated[
        bool | None,
        typer.Option(
            "--header/--no-header", help="Whether CSV inputs start with a header (default: detect)."
        ),
    ] = None,
    max_rows: Annotated[
        int | None, typer.Option("--max-rows", help="Most records per mini-batch.")
    ] = None,
    max_bytes: Annotated[
        int | None, typer.Option("--max-bytes", help="Most bytes per mini-batch.")
    ] = None,
    dask: Annotated[
        str | None,
        typer.Option(
            "--dask",
            metavar="ADDRESS|local",
            help="Score on the Dask scheduler at ADDRESS (tcp://host:8786), or on a cluster "
            "started for the command (local). Default: BATCHOPS_DASK_ADDRESS, else here.",
        ),
    ] = None,
    id_column: Annotated[
        str | None,
        typer.Option(
            "--id-column",
            help="Raw input: the column of inference ids, written first in the output.",
        ),
    ] = None,
    trace_ids: Annotated[
        bool,
        typer.Option(
            "--trace-ids", help="Keep generated inference ids beside a prepared-layout output."
        ),
    ] = False,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the result as one JSON object.")
    ] = False,
    quiet: Annotated[
        bool,
        typer.Option(
            "--quiet", "-q", help="No progress bar (it is shown only when stderr is a terminal)."
        ),
    ] = False,
) -> None:
    """Score every record of the input with a model: one output line per record, in order."""
    from batchops.cli.output import print_json, stderr, stdout
    from batchops.data.cluster import dask_address
    from batchops.registry.lookup import model_data_uri
    from batchops.transform import transform
    from batchops.transform.api import DEFAULT_MAX_BYTES, DEFAULT_MAX_ROWS
    from batchops.wording import counted

    model_uri = model_data_uri(model)
    with _progress_bar(input, content_type, enabled=not quiet and stderr.is_terminal) as advance:
        result = transform(
            model_uri,
            input,
            output,
            workers=workers,
            content_type=content_type,
            accept=accept,
            header=header,
            input_filter=input_filter,
            output_filter=output_filter,
            join_source=join_source,
            progress=advance,
            model_reference=model if model != model_uri else None,
            dask=dask,
            id_column=id_column,
            id_prefix=f"transform-{_stamp()}" if trace_ids else None,
            max_rows_per_batch=DEFAULT_MAX_ROWS if max_rows is None else max_rows,
            max_bytes_per_batch=DEFAULT_MAX_BYTES if max_bytes is None else max_bytes,
        )
    if as_json:
        print_json(result.to_dict(model_uri))
        return
    stdout.print(
        f"scored {counted(result.rows, 'row')} from {counted(len(result.input_files), 'file')} in "
        f"{result.seconds:.1f} s ({result.rows_per_second:,.0f} rows/s) with {model_uri}, "
        + (
            "on Dask"
            if dask_address(dask)
            else counted(result.workers, "worker process")
            if result.workers
            else "in this process"
        )
    )
    for path in result.output_files:
        stdout.print(f"  {path}")
    for column, count in result.unknown_categories.items():
        stdout.print(
            f"  {counted(count, 'row')} with a {column} unseen in training (scored as zeros)"
        )


def _stamp() -> str:
    from datetime import UTC, datetime

    return datetime.now(UTC).strftime("%Y%m%dT%H%M%S")


@contextmanager
def _progress_bar(input: str, content_type: str | None, enabled: bool) -> Iterator[Progress]:
    """A progress callback drawing rows, rows/s and time left on stderr; a no-op if disabled.

    The total is an estimate from the input's size (exact for Parquet), raised as needed.
    """
    if not enabled:
        yield None
        return
    import time

    from rich.progress import (
        BarColumn,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )
    from rich.progress import Progress as Bar

    from batchops.cli.output import stderr
    from batchops.transform import estimate_rows

    estimate = estimate_rows(input, content_type)
    started = time.perf_counter()
    with Bar(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed:,.0f} rows"),
        TextColumn("{task.fields[rate]:,.0f} rows/s"),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=stderr,
        transient=True,
    ) as bar:
        task = bar.add_task("scoring", total=estimate or None, rate=0.0)

        def advance(rows: int) -> None:
            done = bar.tasks[0].completed + rows
            total = bar.tasks[0].total
            if total is not None and done > total:
                total = done
            elapsed = max(time.perf_counter() - started, 1e-9)
            bar.update(task, completed=done, total=total, rate=done / elapsed)

        yield advance
