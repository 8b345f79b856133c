"""`batchops home relocate --artifacts s3://bucket/prefix`: move a local home's files to a bucket.

Every file is copied and checked by sha256, then the database's URIs are pointed at the
bucket, then every registered version and output manifest is checked there. From then on every
process using this database sets BATCHOPS_ARTIFACTS to the bucket; the local files stay until
you remove them.
"""

from __future__ import annotations

from typing import Annotated

import typer

from batchops.cli.output import JsonFlag, print_json, stderr, stdout

app = typer.Typer(help="The home: where this database's files live.", no_args_is_help=True)


def register(parent: typer.Typer) -> None:
    parent.add_typer(app, name="home")


@app.command("relocate")
def relocate(
    target: Annotated[
        str,
        typer.Option("--artifacts", help="The object store URL to move to: s3://bucket/prefix."),
    ],
    as_json: JsonFlag = False,
) -> None:
    """Copy the home's files to an object store, verify them, and point the database there."""
    from batchops.runtime.relocation import relocate_home
    from batchops.store.artifacts import shown
    from batchops.wording import counted

    moved = relocate_home(target, progress=None if as_json else stderr.print)
    if as_json:
        print_json(moved.to_json())
        return
    stdout.print(
        f"copied {counted(moved.files, 'file')} ({moved.bytes:,} bytes) from {moved.source} "
        f"to {shown(moved.target)}"
        + (f"; {moved.already_there} already there" if moved.already_there else "")
    )
    stdout.print(
        f"verified: every copy's sha256, {counted(moved.versions, 'model version')}, "
        f"{counted(moved.outputs, 'output folder')}"
    )
    for folder in moved.partial_outputs:
        stdout.print(f"  {shown(folder)}: incomplete at home already, copied as it was")
    stdout.print(
        f"now set BATCHOPS_ARTIFACTS={shown(moved.target)} for every process using this "
        "database; the local files are no longer used and can be removed"
    )
