"""`batchops`: wires the command groups together and turns failures into exit codes.

Exit codes: 0 done, 1 the job ran and failed, 2 bad usage or bad input, 130 an execution
run here was stopped by Ctrl-C (it ends Stopped; `execution retry` resumes it). Command modules
import their heavy libraries inside the commands, so `batchops --help` stays fast.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from batchops import __version__
from batchops.cli import (
    alarm,
    baseline,
    data,
    demo,
    execution,
    gc,
    home,
    model_quality,
    monitor,
    outputs,
    pipeline,
    project,
    registry,
    rule,
    schedule,
    scheduler,
    server,
    token,
    transform,
)
from batchops.cli.output import as_options, printable
from batchops.errors import BatchopsError, JobFailed

app = typer.Typer(
    name="batchops",
    help="MLOps for batch use cases, local-first: pipelines, registry, monitoring, transform.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=True,
)


def _print_version(value: bool) -> None:
    if value:
        sys.stdout.write(f"batchops {__version__}\n")
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_print_version, is_eager=True, help="Print the version."
        ),
    ] = False,
) -> None:
    """MLOps for batch use cases, local-first: pipelines, registry, monitoring, transform."""


app.add_typer(pipeline.app, name="pipeline")
app.add_typer(execution.app, name="execution")
app.add_typer(registry.app, name="registry")
app.add_typer(data.app, name="data")
app.add_typer(outputs.app, name="outputs")
app.add_typer(schedule.app, name="schedule")
app.add_typer(rule.app, name="rule")
app.add_typer(alarm.app, name="alarm")
app.add_typer(scheduler.app, name="scheduler")
app.add_typer(token.app, name="token")
app.add_typer(home.app, name="home")
baseline.register(app)
monitor.register(app)
transform.register(app)
demo.register(app)
model_quality.register(app)
gc.register(app)
server.register(app)
project.register(app)


# Commands that only read. Their transactions begin deferred: on SQLite (WAL) they read the
# last commit while another process writes, instead of queueing for the write lock.
READ_ONLY = {
    "pipeline": ("list", "show"),
    "execution": ("list", "describe", "logs"),
    "registry": ("groups", "versions", "compare", "describe", "latest", "lineage", "verify"),
    "schedule": ("list", "describe", "history"),
    "rule": ("list", "describe", "history"),
    "alarm": ("list", "describe", "history"),
    "token": ("list",),
}


def _reads_deferred(command: TyperGroup) -> None:
    """`command` with each READ_ONLY command's transactions beginning deferred."""
    for group_name, names in READ_ONLY.items():
        group = command.commands[group_name]
        assert isinstance(group, TyperGroup)
        for name in names:
            leaf = group.commands[name]
            assert leaf.callback is not None
            leaf.callback = _deferring(leaf.callback)


def _deferring(callback: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(callback)
    def read(*args: Any, **kwargs: Any) -> Any:
        from batchops.store.db import prefer_concurrent_reads

        prefer_concurrent_reads()
        return callback(*args, **kwargs)

    return read


def run(argv: list[str] | None = None) -> None:
    """Entry point: run the command and exit with 0, 1 or 2.

    Click handles usage errors itself (exit 2); our own errors pass through it to here, each
    printed as one line on stderr: bad input and a broken environment alike exit 2.
    """
    command = typer.main.get_command(app)
    assert isinstance(command, TyperGroup)
    _reads_deferred(command)
    try:
        command.main(args=argv, prog_name="batchops", standalone_mode=True)
    except BatchopsError as error:
        _say("error", error)
        sys.exit(2)
    except OSError as error:  # the environment (disk, permissions) a library did not name
        _say("error", error)
        sys.exit(2)
    except JobFailed as error:
        _say("failed", error)
        sys.exit(1)


def _say(kind: str, error: BaseException) -> None:
    """One message on stderr, the parameters a library message names as the options that set
    them; what came from data (control characters) is shown escaped."""
    sys.stderr.write(f"{kind}: {printable(as_options(str(error)))}\n")


if __name__ == "__main__":
    run()
