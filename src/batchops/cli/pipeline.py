"""`batchops pipeline list | show NAME | start NAME [-p key=value ...] [--wait] | upsert`."""

from __future__ import annotations

from typing import Annotated

import typer

from batchops.cli.execution import print_step_event, report_execution
from batchops.cli.output import parse_assignments, print_json, stdout, styled

app = typer.Typer(
    help="Pipelines: stored definitions and starting executions.", no_args_is_help=True
)

JsonFlag = Annotated[bool, typer.Option("--json", help="Print exactly one JSON value.")]


def _builtin() -> None:
    from batchops.examples.churn.pipelines import upsert_builtin_pipelines

    upsert_builtin_pipelines()


@app.command("list")
def list_(as_json: JsonFlag = False) -> None:
    """The stored pipelines."""
    from batchops.runtime.catalog import list_pipelines

    _builtin()
    pipelines = list_pipelines()
    if as_json:
        print_json(pipelines)
        return
    for p in pipelines:
        stdout.print(f"{p['name']}  (version {p['latest_version']})  {p['description']}")


@app.command()
def show(
    name: str,
    version: Annotated[int | None, typer.Option(help="A definition version.")] = None,
    as_json: JsonFlag = False,
) -> None:
    """A pipeline's definition: parameters and steps with what each depends on."""
    from batchops.pipeline.graph import PipelineGraph
    from batchops.runtime.catalog import get_definition

    _builtin()
    number, definition = get_definition(name, version)
    if as_json:
        print_json({"name": name, "version": number, "definition": definition})
        return
    graph = PipelineGraph.from_definition(definition)
    stdout.print(styled((name, "bold"), f" version {number}"))
    for p in definition.get("Parameters", []):
        stdout.print(f"  parameter {p['Name']} ({p['Type']}) = {p.get('DefaultValue')!r}")
    for step in graph.order():
        node = graph.steps[step]
        after = f" after {', '.join(sorted(node.depends_on))}" if node.depends_on else ""
        branch = f" [if {node.branch[0]} is {node.branch[1]}]" if node.branch else ""
        stdout.print(f"  {step} ({node.type}){after}{branch}")


@app.command()
def upsert(
    target: Annotated[
        str, typer.Argument(help="module:attribute of a Pipeline or a function returning one")
    ],
) -> None:
    """Store a pipeline defined in Python; a new version only when the definition changed."""
    from batchops.pipeline.pipeline import Pipeline
    from batchops.pipeline.steps.function import load_function

    obj = load_function(target) if ":" in target else None
    pipeline = obj if isinstance(obj, Pipeline) else obj() if obj else None
    if not isinstance(pipeline, Pipeline):
        from batchops.errors import InvalidInput

        raise InvalidInput(f"{target!r} is not a Pipeline or a function returning one")
    stdout.print(f"{pipeline.name}: version {pipeline.upsert()}")


@app.command()
def start(
    name: str,
    parameter: Annotated[
        list[str] | None, typer.Option("-p", "--parameter", help="key=value, repeatable.")
    ] = None,
    wait: Annotated[bool, typer.Option("--wait", help="Run here and wait for the end.")] = False,
    as_json: JsonFlag = False,
) -> None:
    """Start an execution of the latest definition version."""
    from batchops.runtime.execution import start_execution

    _builtin()
    values = parse_assignments(parameter)
    execution = start_execution(
        name, None, values, wait=wait, on_event=print_step_event if wait else None
    )
    if wait:
        report_execution(execution, as_json, waited=True)
    elif as_json:
        print_json(execution.describe())
    else:
        stdout.print(f"started execution {execution.id}")
