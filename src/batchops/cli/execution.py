"""`batchops execution list | describe ID | logs ID [STEP] | retry ID`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from batchops.cli.output import JsonFlag, print_json, stderr, stdout, styled
from batchops.store.statuses import ExecutionStatus, StepStatus

if TYPE_CHECKING:
    from batchops.runtime.execution import Execution

app = typer.Typer(help="Executions: status, logs, retry.", no_args_is_help=True)
_COLOURS: dict[str, str] = {
    StepStatus.SUCCEEDED: "green",
    StepStatus.FAILED: "red",
    StepStatus.EXECUTING: "cyan",
}


@app.command("list")
def list_(
    pipeline: Annotated[str | None, typer.Option(help="Only this pipeline's.")] = None,
    limit: int = 50,
    as_json: JsonFlag = False,
) -> None:
    """Recent executions, newest first."""
    from batchops.store.executions import list_executions

    rows = list_executions(pipeline, limit)
    if as_json:
        print_json(rows)
        return
    for r in rows:
        stdout.print(f"{r['id']}  {r['pipeline']:<22} {r['status']:<10} {r['started_at']}")


@app.command()
def describe(execution_id: str, as_json: JsonFlag = False) -> None:
    """An execution with each step's status, properties and failure."""
    from batchops.store.executions import execution_json

    described = execution_json(execution_id)
    if as_json:
        print_json(described)
        return
    stdout.print(
        styled((described["id"], "bold"), f" {described['pipeline']}: {described['status']}")
    )
    if described["failure_reason"]:
        stdout.print(f"  failure: {described['failure_reason']}")
    for step in described["steps"]:
        cached = f" (cached from {step['cached_from']})" if step.get("cached_from") else ""
        stdout.print(f"  {step['name']:<34} {step['status']}{cached}")


@app.command()
def logs(execution_id: str, step: Annotated[str | None, typer.Argument()] = None) -> None:
    """The captured output of each step (or one step)."""
    from batchops.runtime.execution import execution_logs

    for name, text in execution_logs(execution_id, step).items():
        stdout.print(styled((f"== {name}", "bold")), soft_wrap=True)
        stdout.out(text, end="")


@app.command()
def retry(
    execution_id: str,
    wait: Annotated[bool, typer.Option("--wait", help="Run here and wait for the end.")] = False,
    as_json: JsonFlag = False,
) -> None:
    """Run again from the failed steps, reusing the outputs of the steps that succeeded."""
    from batchops.runtime.execution import retry_execution

    execution = retry_execution(
        execution_id, wait=wait, on_event=print_step_event if wait else None
    )
    report_execution(execution, as_json, waited=wait)


def print_step_event(step: str, status: str, message: str) -> None:
    """A step's progress on stderr, so stdout keeps only the result; the message's first line."""
    colour = _COLOURS.get(status, "yellow")
    first_line = message.splitlines()[0] if message else ""
    stderr.print(styled(f"  {step:<34} ", (status, colour), f" {first_line}"))


def report_execution(execution: Execution, as_json: bool, *, waited: bool) -> None:
    """Print the execution (JSON, or its status); once waited for, exit 1 unless it succeeded."""
    from batchops.errors import JobFailed

    described = execution.describe()
    if as_json:
        print_json(described)
    else:
        stdout.print(f"execution {execution.id}: {described['status']}")
    if waited and described["status"] != ExecutionStatus.SUCCEEDED:
        raise JobFailed(described["failure_reason"] or "the execution failed")
