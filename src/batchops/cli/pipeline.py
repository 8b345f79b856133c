"""`batchops pipeline list | show NAME | start NAME [-p key=value ...] [--wait] | upsert`."""

from __future__ import annotations

from typing import Annotated

import typer

from batchops.cli.execution import print_step_event, report_execution, stop_on_interrupt
from batchops.cli.output import (
    JsonFlag,
    StepsDaskOption,
    parse_assignments,
    print_json,
    print_none_found,
    print_table,
    stdout,
    styled,
)

app = typer.Typer(
    help="Pipelines: stored definitions and starting executions.", no_args_is_help=True
)


def register(parent: typer.Typer) -> None:
    parent.add_typer(app, name="pipeline")


@app.command("list")
def list_(as_json: JsonFlag = False) -> None:
    """The stored pipelines."""
    from batchops.runtime.pipelines import list_pipelines

    pipelines = list_pipelines()
    if as_json:
        print_json(pipelines)
        return
    if not pipelines:
        print_none_found("pipelines")
        return
    print_table(
        ("NAME", "VERSION", "DESCRIPTION"),
        [(p["name"], str(p["latest_version"]), p["description"]) for p in pipelines],
        right=[1],
    )


@app.command()
def show(
    name: str,
    version: Annotated[int | None, typer.Option(help="A definition version.")] = None,
    as_json: JsonFlag = False,
) -> None:
    """A pipeline's definition: parameters and steps with what each depends on."""
    from batchops.pipeline.graph import PipelineGraph
    from batchops.runtime.pipelines import describe_pipeline

    described = describe_pipeline(name, version)
    if as_json:
        print_json(described)
        return
    definition = described["definition"]
    graph = PipelineGraph.from_definition(definition)
    stdout.print(styled((name, "bold"), f" version {described['version']}"))
    for p in definition.get("Parameters", []):
        low, high = p.get("MinValue"), p.get("MaxValue")
        bounds = f" in [{'' if low is None else low}, {'' if high is None else high}]"
        shown = bounds if low is not None or high is not None else ""
        stdout.print(f"  parameter {p['Name']} ({p['Type']}{shown}) = {p.get('DefaultValue')!r}")
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
    from batchops.pipeline.pipeline import load_pipeline

    pipeline = load_pipeline(target)
    stdout.print(f"{pipeline.name}: version {pipeline.upsert()}")


@app.command()
def start(
    name: str,
    parameter: Annotated[
        list[str] | None, typer.Option("-p", "--parameter", help="key=value, repeatable.")
    ] = None,
    wait: Annotated[bool, typer.Option("--wait", help="Run here and wait for the end.")] = False,
    dask: StepsDaskOption = None,
    as_json: JsonFlag = False,
) -> None:
    """Start an execution of the latest definition version."""
    from batchops.runtime.pipelines import start_pipeline

    with stop_on_interrupt():
        execution = start_pipeline(
            name,
            parse_assignments(parameter),
            wait=wait,
            on_event=print_step_event if wait else None,
            dask=dask,
        )
    if wait:
        report_execution(execution, as_json, waited=True)
    elif as_json:
        print_json(execution.describe())
    else:
        stdout.print(f"started execution {execution.id}")
