"""`batchops rule create | list | describe | history | pause | resume | delete`: act on events."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from batchops.cli.described import print_described, print_history, warn_if_secret_unset
from batchops.cli.output import JsonFlag, Params, print_json, print_none_found, print_table, stdout

app = typer.Typer(
    help="Event rules: start a pipeline, POST a webhook or log.", no_args_is_help=True
)


def register(parent: typer.Typer) -> None:
    parent.add_typer(app, name="rule")


@app.command()
def create(
    name: str,
    on: Annotated[str, typer.Option("--on", help="Event type, e.g. ModelVersionStatusChanged.")],
    filter_: Annotated[
        list[str] | None, typer.Option("--filter", help="KEY=VALUE on the event's fields.")
    ] = None,
    start: Annotated[str | None, typer.Option("--start", help="Start this pipeline.")] = None,
    parameter: Params = None,
    webhook: Annotated[str | None, typer.Option("--webhook", help="POST the event here.")] = None,
    secret_env: Annotated[
        str | None, typer.Option(help="Environment variable holding the HMAC secret.")
    ] = None,
    log: Annotated[bool, typer.Option("--log", help="Only record the match.")] = False,
    as_json: JsonFlag = False,
) -> None:
    """A rule; -p values may use the event's fields: {group} {version} {time:%Y-%m-%d} …"""
    from batchops.events.rules import create_rule
    from batchops.events.templates import parse_assignments

    rule = create_rule(
        name,
        on,
        filters=parse_assignments(filter_ or [], "--filter"),
        start=start,
        parameters=parse_assignments(parameter or [], "-p"),
        webhook=webhook,
        secret_env=secret_env,
        log=log,
    )
    warn_if_secret_unset(secret_env)
    if as_json:
        print_json(rule.to_json())
        return
    stdout.print(f"rule {name}: on {rule.event_type} -> {_action(rule.to_json()['action'])}")


def _action(action: dict[str, Any]) -> str:
    """What a rule does, named: the pipeline it starts (with its values) or the webhook."""
    if action["type"] == "start":
        values = "".join(f" -p {k}={v}" for k, v in (action.get("parameters") or {}).items())
        return f"start {action['pipeline']}{values}"
    if action["type"] == "webhook":
        return f"webhook {action['url']}"
    return str(action["type"])


@app.command("list")
def list_(as_json: JsonFlag = False) -> None:
    from batchops.events.rules import list_rules

    found = [r.to_json() for r in list_rules()]
    if as_json:
        print_json(found)
        return
    if not found:
        print_none_found("rules")
        return
    print_table(
        ("NAME", "STATE", "ON", "FILTERS", "ACTION", "TARGET"),
        [
            (
                r["name"],
                r["state"],
                r["on"],
                ",".join(f"{k}={v}" for k, v in r["filters"].items()) or "-",
                r["action"]["type"],
                r["action"].get("pipeline") or r["action"].get("url") or "-",
            )
            for r in found
        ],
    )


@app.command()
def describe(name: str, as_json: JsonFlag = False) -> None:
    from batchops.events.rules import describe_rule

    print_described(describe_rule(name), as_json)


@app.command()
def history(name: str, limit: int = 100, as_json: JsonFlag = False) -> None:
    """Every match: started (which execution), delivered, failed, chain-limit, logged."""
    from batchops.events.rules import rule_history

    print_history(rule_history(name, limit), as_json)


@app.command()
def pause(name: str) -> None:
    """Stop acting on events until resumed."""
    from batchops.events.rules import set_rule_paused

    set_rule_paused(name, True)
    stdout.print(f"rule {name} paused")


@app.command()
def resume(name: str) -> None:
    """Act on the events from now on; those that arrived while paused are not acted on."""
    from batchops.events.rules import set_rule_paused

    set_rule_paused(name, False)
    stdout.print(f"rule {name} resumed")


@app.command()
def delete(name: str) -> None:
    from batchops.events.rules import delete_rule

    delete_rule(name)
    stdout.print(f"rule {name} deleted")
