"""`batchops data churn`: synthetic customer-churn data, clean or drifted, for demos and tests."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from batchops.examples.churn.data import DEFAULT_ROWS, DRIFT_DESCRIPTIONS, MAX_ROWS

app = typer.Typer(help="Synthetic data for the examples and tests.", no_args_is_help=True)


def register(parent: typer.Typer) -> None:
    parent.add_typer(app, name="data")


_DRIFT_HELP = "Change the data in one documented way, for a monitor to catch: " + "; ".join(
    f"{kind}: {text}" for kind, text in DRIFT_DESCRIPTIONS.items()
)


@app.command()
def churn(
    out: Annotated[
        Path, typer.Option("--out", help="CSV file to write (with a header unless --prepared).")
    ],
    rows: Annotated[int, typer.Option(help=f"Rows to write (1 to {MAX_ROWS:,}).")] = DEFAULT_ROWS,
    seed: Annotated[int, typer.Option(help="Same seed, same bytes.")] = 0,
    drift: Annotated[str | None, typer.Option(help=_DRIFT_HELP)] = None,
    prepared: Annotated[
        bool,
        typer.Option(
            "--prepared",
            help="Write the model's layout, as PrepareData does: no header, the label (0/1) "
            "first, then the one-hot encoded features; ready for batch-inference, transform "
            "and baseline --no-header.",
        ),
    ] = False,
) -> None:
    """Customer-churn rows shaped like the AWS walkthrough's churn.txt (21 columns)."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

    from batchops.cli.output import stderr, stdout
    from batchops.examples.churn.data import CHUNK_ROWS, check_drift_kind, write_churn_csv
    from batchops.examples.churn.prepared import write_prepared_csv

    check_drift_kind(drift)
    write = write_prepared_csv if prepared else write_churn_csv
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed:,}/{task.total:,} rows"),
        TimeRemainingColumn(),
        console=stderr,
        transient=True,
        disable=rows <= CHUNK_ROWS,
    ) as progress:
        task = progress.add_task(f"writing {out.name}", total=rows)
        path = write(
            out,
            rows,
            seed=seed,
            drift=drift,
            progress=lambda done: progress.update(task, completed=done),
        )
    described = f", drift {drift}" if drift else ""
    described += ", prepared for the model" if prepared else ""
    stdout.print(f"wrote {rows:,} rows to {path} (seed {seed}{described})")


@app.command()
def abalone(
    out: Annotated[Path, typer.Option("--out", help="CSV file to write (with a header).")],
    rows: Annotated[int, typer.Option(help="Rows to write (1 to 10,000,000).")] = 4000,
    seed: Annotated[int, typer.Option(help="Same seed, same bytes.")] = 0,
    drift: Annotated[
        str | None,
        typer.Option(help="shift: the shells 30% heavier for their rings (the ages unchanged)."),
    ] = None,
) -> None:
    """Abalone rows (an id, Sex, seven measurements, Rings) for the regression example."""
    from batchops.cli.output import stdout
    from batchops.examples.abalone.data import write_abalone_csv

    path = write_abalone_csv(out, rows, seed=seed, drift=drift)
    described = f", drift {drift}" if drift else ""
    stdout.print(f"wrote {rows:,} rows to {path} (seed {seed}{described})")
