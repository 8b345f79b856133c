"""`batchops alarm create | list | describe | history | pause | resume | delete`: metrics
crossing thresholds."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from batchops.cli.described import print_described, print_history, warn_if_secret_unset
from batchops.cli.output import JsonFlag, print_json, print_none_found, print_table, stdout

app = typer.Typer(
    help="Alarms on recorded metrics: OK, ALARM, INSUFFICIENT_DATA.", no_args_is_help=True
)


def register(parent: typer.Typer) -> None:
    parent.add_typer(app, name="alarm")


@app.command()
def create(
    name: str,
    metric: Annotated[str, typer.Option("--metric", help="e.g. feature_baseline_drift_age.")],
    pipeline: Annotated[str | None, typer.Option(help="Only this pipeline's datapoints.")] = None,
    above: Annotated[float | None, typer.Option(help="Breaching above this value.")] = None,
    below: Annotated[float | None, typer.Option(help="Breaching below this value.")] = None,
    datapoints: Annotated[int, typer.Option(help="M breaching datapoints …")] = 1,
    of: Annotated[int, typer.Option(help="… of the last N.")] = 1,
    webhook: Annotated[str | None, typer.Option(help="POST each transition here.")] = None,
    secret_env: Annotated[str | None, typer.Option(help="Env var holding the HMAC secret.")] = None,
    as_json: JsonFlag = False,
) -> None:
    """An alarm, evaluated when a new datapoint of the metric arrives."""
    from batchops.events.alarms import create_alarm

    alarm = create_alarm(
        name,
        metric,
        above=above,
        below=below,
        pipeline=pipeline,
        datapoints=datapoints,
        of=of,
        webhook=webhook,
        secret_env=secret_env,
    )
    warn_if_secret_unset(secret_env)
    if as_json:
        print_json(alarm.to_json())
        return
    stdout.print(f"alarm {name}: {metric} {alarm.comparison} {alarm.threshold:g} ({alarm.state})")


@app.command("list")
def list_(as_json: JsonFlag = False) -> None:
    from batchops.events.alarms import list_alarms

    found = [a.to_json() for a in list_alarms()]
    if as_json:
        print_json(found)
        return
    if not found:
        print_none_found("alarms")
        return
    print_table(
        ("NAME", "STATE", "METRIC", "CONDITION"),
        [(a["name"], _state(a), a["metric"], a["condition"]) for a in found],
    )


def _state(alarm: dict[str, Any]) -> str:
    return f"{alarm['state']} (paused)" if alarm["paused"] else str(alarm["state"])


@app.command()
def describe(name: str, as_json: JsonFlag = False) -> None:
    from batchops.events.alarms import describe_alarm

    print_described(describe_alarm(name), as_json)


@app.command()
def history(name: str, limit: int = 100, as_json: JsonFlag = False) -> None:
    """Every state transition, with the value and the reason."""
    from batchops.events.alarms import alarm_history

    print_history(alarm_history(name, limit), as_json)


@app.command()
def pause(name: str) -> None:
    """Stop evaluating (no transition, no webhook) until resumed."""
    from batchops.events.alarms import set_alarm_paused

    set_alarm_paused(name, True)
    stdout.print(f"alarm {name} paused")


@app.command()
def resume(name: str) -> None:
    """Evaluate again from the next datapoint; those while paused cause no transition."""
    from batchops.events.alarms import set_alarm_paused

    set_alarm_paused(name, False)
    stdout.print(f"alarm {name} resumed")


@app.command()
def delete(name: str) -> None:
    from batchops.events.alarms import delete_alarm

    delete_alarm(name)
    stdout.print(f"alarm {name} deleted")
