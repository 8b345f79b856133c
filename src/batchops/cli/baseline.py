"""`batchops baseline DATA --out DIR`: statistics.json and constraints.json of a dataset."""

from __future__ import annotations

from typing import Annotated

import typer

from batchops.cli.output import JsonFlag, print_json, stderr, stdout
from batchops.wording import counted

HeaderFlag = Annotated[
    bool | None,
    typer.Option(
        "--header/--no-header",
        help="Whether CSV files start with a header row (default: guessed from the first rows).",
    ),
]
IgnoreColumns = Annotated[
    list[str] | None,
    typer.Option(
        "--ignore-column",
        help="A column to leave out: a header name, or _c0, _c1, ... without a header. Repeatable.",
    ),
]
FormatOption = Annotated[
    str | None,
    typer.Option("--format", help="csv, parquet or jsonl (default: from each file's name)."),
]
WorkersOption = Annotated[
    int | None, typer.Option(help="Threads reading parts of large files (default: CPUs).")
]
DaskOption = Annotated[
    str | None,
    typer.Option(
        "--dask",
        metavar="ADDRESS|local",
        help="Run partitioned on the Dask scheduler at ADDRESS (tcp://host:8786), or on a "
        "cluster started for the command (local). Default: BATCHOPS_DASK_ADDRESS, else here.",
    ),
]


def register(app: typer.Typer) -> None:
    app.command("baseline")(baseline_command)


def baseline_command(
    data: Annotated[str, typer.Argument(help="A CSV, Parquet or JSON Lines file, or a directory.")],
    out: Annotated[str, typer.Option("--out", help="Directory to write the two files into.")],
    header: HeaderFlag = None,
    ignore_column: IgnoreColumns = None,
    data_format: FormatOption = None,
    workers: WorkersOption = None,
    dask: DaskOption = None,
    as_json: JsonFlag = False,
) -> None:
    """Profile a dataset into SageMaker Model Monitor's statistics.json and constraints.json."""
    from batchops.monitor import baseline

    result = baseline(
        data,
        out,
        header=header,
        ignore_columns=ignore_column or (),
        data_format=data_format,
        workers=workers,
        dask=dask,
    )
    for hint in result.hints:
        stderr.print(f"warning: {hint}")
    if as_json:
        print_json(result.to_dict())
        return
    described = ", ".join(f"{count} {kind}" for kind, count in result.type_counts().items())
    stdout.print(
        f"baselined {counted(result.row_count, 'row')}, "
        f"{counted(len(result.statistics.features), 'feature')} "
        f"({described})"
    )
    stdout.print(f"statistics:  {result.statistics_uri}", soft_wrap=True)
    stdout.print(f"constraints: {result.constraints_uri}", soft_wrap=True)
