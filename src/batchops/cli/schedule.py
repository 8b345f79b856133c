"""`batchops schedule create | list | describe | pause | resume | delete | history`."""

from __future__ import annotations

from typing import Annotated

import typer

from batchops.cli.described import print_described, print_history
from batchops.cli.output import JsonFlag, Params, print_json, print_none_found, print_table, stdout

app = typer.Typer(help="Pipelines started on a cron calendar.", no_args_is_help=True)


def register(parent: typer.Typer) -> None:
    parent.add_typer(app, name="schedule")


@app.command()
def create(
    name: str,
    pipeline: Annotated[str, typer.Option("--pipeline", help="The stored pipeline to start.")],
    cron: Annotated[str, typer.Option("--cron", help="Five cron fields, e.g. '0 6 * * *'.")],
    timezone: Annotated[str, typer.Option(help="IANA time zone of the cron line.")] = "UTC",
    parameter: Params = None,
    catch_up: Annotated[
        str, typer.Option(help="Ticks missed while no scheduler ran: skip or latest.")
    ] = "skip",
    as_json: JsonFlag = False,
) -> None:
    """A schedule; values may use the tick's time: -p InputData=data/{time:%Y-%m-%d}.csv"""
    from batchops.events.schedules import create_schedule
    from batchops.events.templates import parse_assignments

    schedule = create_schedule(
        name,
        pipeline,
        cron,
        timezone=timezone,
        parameters=parse_assignments(parameter or [], "-p"),
        catch_up=catch_up,
    )
    if as_json:
        print_json(schedule.to_json())
        return
    next_tick = schedule.to_json()["next_tick_at"]
    stdout.print(f"schedule {name}: {pipeline} at '{cron}' ({timezone}), next {next_tick}")


@app.command("list")
def list_(as_json: JsonFlag = False) -> None:
    """Every schedule with its state and next tick."""
    from batchops.events.schedules import list_schedules

    found = [s.to_json() for s in list_schedules()]
    if as_json:
        print_json(found)
        return
    if not found:
        print_none_found("schedules")
        return
    print_table(
        ("NAME", "PIPELINE", "CRON", "TIMEZONE", "STATE", "NEXT"),
        [
            (
                s["name"],
                s["pipeline"],
                s["cron"],
                s["timezone"],
                s["state"],
                s["next_tick_at"] or "-",
            )
            for s in found
        ],
    )


@app.command()
def describe(name: str, as_json: JsonFlag = False) -> None:
    """A schedule and its recent ticks."""
    from batchops.events.schedules import describe_schedule

    print_described(describe_schedule(name), as_json)


@app.command()
def history(name: str, limit: int = 100, as_json: JsonFlag = False) -> None:
    """Every tick: started, skipped, missed or failed, and why."""
    from batchops.events.schedules import get_schedule, schedule_history

    get_schedule(name)
    print_history(schedule_history(name, limit), as_json)


@app.command()
def pause(name: str) -> None:
    """Stop starting runs until resumed (ticks meanwhile are not run)."""
    from batchops.events.schedules import set_paused

    set_paused(name, True)
    stdout.print(f"schedule {name} paused")


@app.command()
def resume(name: str) -> None:
    """Start runs again from the next tick."""
    from batchops.events.schedules import set_paused

    schedule = set_paused(name, False)
    stdout.print(f"schedule {name} resumed, next {schedule.to_json()['next_tick_at']}")


@app.command()
def delete(name: str) -> None:
    from batchops.events.schedules import delete_schedule

    delete_schedule(name)
    stdout.print(f"schedule {name} deleted")
