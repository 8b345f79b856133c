"""`batchops scheduler [--once [--now ISO]]` and `batchops scheduler logs`."""

from __future__ import annotations

from typing import Annotated

import typer

from batchops.cli.output import JsonFlag, print_json, stderr, stdout
from batchops.wording import counted

app = typer.Typer(
    help="Run schedules, rules and alarms (until SIGTERM, or --once).",
    invoke_without_command=True,
)


def register(parent: typer.Typer) -> None:
    parent.add_typer(app, name="scheduler")


@app.callback()
def scheduler(
    ctx: typer.Context,
    once: Annotated[
        bool, typer.Option("--once", help="Do what is due now, wait for it, and exit.")
    ] = False,
    now: Annotated[
        str | None, typer.Option("--now", help="With --once: act as if it were this ISO moment.")
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Run the scheduler; `batchops scheduler logs` reads what it did."""
    if ctx.invoked_subcommand is not None:
        return
    from batchops.events.clock import parse_moment
    from batchops.events.scheduler import run_forever, run_once

    if not once:
        if now:
            from batchops.errors import InvalidInput

            raise InvalidInput("--now applies to --once only")
        stderr.print("scheduler running; stop it with SIGTERM or Ctrl-C")
        run_forever()
        return
    report = run_once(parse_moment(now) if now else None)
    if as_json:
        print_json(report.to_json())
        return
    if not report.acquired:
        stderr.print("another scheduler holds the lease; nothing done")
        return
    stdout.print(
        f"scheduler: {counted(len(report.started), 'execution')} started, "
        f"{counted(report.events, 'event')} handled, "
        f"{counted(report.transitions, 'alarm transition')}, "
        f"{counted(len(report.deliveries), 'webhook delivery')}"
    )
    for execution_id in report.started:
        stdout.print(f"  started {_started(execution_id)}")


def _started(execution_id: str) -> str:
    """An execution the pass started: its pipeline, status, and the rule or schedule."""
    from batchops.store.executions import execution_json

    described = execution_json(execution_id)
    trigger = described.get("trigger") or {}
    if trigger.get("rule"):
        cause = f", by rule {trigger['rule']} on event {trigger.get('event')}"
    elif trigger.get("schedule"):
        cause = f", by schedule {trigger['schedule']} at {trigger.get('tick')}"
    else:
        cause = ""
    return f"{described['pipeline']} {execution_id} ({described['status']}){cause}"


@app.command()
def logs(
    kind: Annotated[
        str | None, typer.Option(help="Only tick, rule, delivery, alarm, lease or scheduler.")
    ] = None,
    since: Annotated[str | None, typer.Option(help="From this ISO moment on.")] = None,
    limit: Annotated[int, typer.Option(help="The last N entries.")] = 100,
    as_json: JsonFlag = False,
) -> None:
    """The scheduler's structured log (JSON lines)."""
    from batchops.events.clock import parse_moment
    from batchops.events.logs import read_log

    entries = read_log(kind, parse_moment(since, "--since") if since else None, limit)
    if as_json:
        print_json(entries)
        return
    for entry in entries:
        stdout.print(f"{entry['at'][:19]}  {entry['kind']:<9} {entry['message']}")
