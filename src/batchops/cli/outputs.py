"""`batchops outputs verify DIR`: is an output folder batchops wrote whole?

Exit codes: 0 the files match the manifest, 1 partial (named on stdout), 2 no manifest (a
folder batchops did not write, or one written before manifests) or bad input.
"""

from __future__ import annotations

from typing import Annotated

import typer

from batchops.cli.output import JsonFlag

app = typer.Typer(help="Output folders written by batchops.", no_args_is_help=True)


def register(parent: typer.Typer) -> None:
    parent.add_typer(app, name="outputs")


@app.command()
def verify(
    folder: Annotated[str, typer.Argument(help="An output folder (local or fsspec URL).")],
    quick: Annotated[
        bool, typer.Option("--quick", help="Check names and sizes only, not sha256 digests.")
    ] = False,
    as_json: JsonFlag = False,
) -> None:
    """Check an output folder's files against its manifest (`_batchops_manifest.json`)."""
    from batchops.cli.output import print_json, stdout, styled
    from batchops.errors import NotFound
    from batchops.store.artifacts import exists
    from batchops.store.outputs import OutputStatus, verify_output

    if not exists(folder):
        raise NotFound(f"{folder}: no such folder")
    state = verify_output(folder, digests=not quick)
    if as_json:
        print_json(state.to_json())
    else:
        style = {"complete": "green", "partial": "red", "absent": "yellow"}[state.status]
        stdout.print(styled((str(state.status), style), " ", state.describe()))
        for problem in state.problems:
            stdout.print(f"  {problem.name}: {problem.problem}")
    codes = {OutputStatus.COMPLETE: 0, OutputStatus.PARTIAL: 1, OutputStatus.ABSENT: 2}
    if codes[state.status]:
        raise typer.Exit(codes[state.status])
