"""`batchops monitor DATA --statistics FILE --constraints FILE --out DIR`: check a batch."""

from __future__ import annotations

from typing import Annotated

import typer

from batchops.cli.baseline import DaskOption, FormatOption, IgnoreColumns, WorkersOption
from batchops.cli.output import JsonFlag, print_json, stderr, stdout
from batchops.wording import counted


def register(app: typer.Typer) -> None:
    app.command("monitor")(monitor_command)


def monitor_command(
    data: Annotated[str, typer.Argument(help="The batch: a file or a directory of files.")],
    statistics: Annotated[
        str, typer.Option("--statistics", help="The baseline's statistics.json.")
    ],
    constraints: Annotated[
        str, typer.Option("--constraints", help="The baseline's constraints.json.")
    ],
    out: Annotated[str, typer.Option("--out", help="Directory for the outputs.")],
    fail_on_violation: Annotated[
        bool,
        typer.Option(
            "--fail-on-violation", help="Exit 1 when a violation is found (outputs are written)."
        ),
    ] = False,
    header: Annotated[
        bool | None,
        typer.Option(
            "--header/--no-header",
            help="Whether CSV files start with a header row (default: as the baseline was made, "
            "unless the first row names no feature and looks like data).",
        ),
    ] = None,
    ignore_column: IgnoreColumns = None,
    data_format: FormatOption = None,
    workers: WorkersOption = None,
    dask: DaskOption = None,
    as_json: JsonFlag = False,
) -> None:
    """Check a batch against a baseline: violations, metrics and an HTML report."""
    from batchops.monitor import check
    from batchops.monitor.jobs import violation_summary

    result = check(
        data,
        statistics=statistics,
        constraints=constraints,
        out_dir=out,
        header=header,
        ignore_columns=ignore_column or (),
        data_format=data_format,
        workers=workers,
        dask=dask,
    )
    for hint in result.hints:
        stderr.print(f"hint: {hint}")
    if as_json:
        print_json(result.to_dict())
    else:
        if result.violations:
            stdout.print(violation_summary(result), soft_wrap=True)
            for violation in result.violations:
                stdout.print(
                    f"  {violation.constraint_check_type:<25} {violation.feature_name}",
                    soft_wrap=True,
                )
        else:
            stdout.print(f"no violations in {counted(result.row_count, 'row')}")
        stdout.print(f"report:     {result.report_uri}", soft_wrap=True)
        stdout.print(f"violations: {result.violations_uri}", soft_wrap=True)
    if fail_on_violation:
        result.raise_for_violations()
