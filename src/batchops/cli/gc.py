"""`batchops gc --older-than 30d [--yes]`: free the files of old executions and forget the
scheduler's log entries as old.

A dry run by default: it prints what it would remove and how many bytes. Records stay, and
files a registered model version points at are never removed.
"""

from __future__ import annotations

from typing import Annotated

import typer

from batchops.cli.output import JsonFlag, print_json, stdout


def register(app: typer.Typer) -> None:
    app.command("gc")(gc)


def gc(
    older_than: Annotated[
        str, typer.Option("--older-than", help="Executions that ended longer ago: 30d, 12h, 2w.")
    ],
    yes: Annotated[bool, typer.Option("--yes", help="Delete; without it, only show.")] = False,
    as_json: JsonFlag = False,
) -> None:
    """Remove the artifacts, work folders and logs of executions that ended long ago, and the
    scheduler's log entries as old."""
    from batchops.events.logs import forget_older_than
    from batchops.runtime.cleanup import collect_garbage, parse_age
    from batchops.wording import counted

    age = parse_age(older_than)
    removals = collect_garbage(age, apply=yes)
    log_entries = forget_older_than(age, apply=yes)
    total = sum(r.bytes for r in removals)
    if as_json:
        print_json(
            {
                "deleted": yes,
                "bytes": total,
                "scheduler_log_entries": log_entries,
                "executions": [
                    {
                        "id": r.execution_id,
                        "pipeline": r.pipeline,
                        "ended_at": r.ended_at.isoformat() if r.ended_at else None,
                        "files": len(r.files),
                        "bytes": r.bytes,
                        "kept": r.kept,
                    }
                    for r in removals
                ],
            }
        )
        return
    verb = "removed" if yes else "would remove"
    for r in removals:
        kept = f", keeps {counted(len(r.kept), 'file')} a model version uses" if r.kept else ""
        ended = f"{r.ended_at:%Y-%m-%d %H:%M}" if r.ended_at else "-"
        stdout.print(
            f"{r.execution_id}  {r.pipeline:<22} ended {ended}  {verb} "
            f"{counted(len(r.files), 'file')} ({r.bytes:,} bytes){kept}"
        )
    stdout.print(
        f"{verb} {counted(total, 'byte')} from {counted(len(removals), 'execution')} "
        f"and {counted(log_entries, 'scheduler log entry')}"
        + ("" if yes else "; run again with --yes to delete")
    )
