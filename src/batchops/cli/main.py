"""`batchops`: wires the command groups together and turns failures into exit codes.

Exit codes: 0 done, 1 the job ran and failed, 2 bad usage or bad input, 130 an execution
run here was stopped by Ctrl-C (it ends Stopped; `execution retry` resumes it). Command modules
import their heavy libraries inside the commands, so `batchops --help` stays fast.
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from batchops import __version__
from batchops.cli import (
    alarm,
    baseline,
    data,
    demo,
    execution,
    gc,
    monitor,
    outputs,
    pipeline,
    quality,
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
baseline.register(app)
monitor.register(app)
transform.register(app)
demo.register(app)
quality.register(app)
gc.register(app)
server.register(app)


def run(argv: list[str] | None = None) -> None:
    """Entry point: run the command and exit with 0, 1 or 2.

    Click handles usage errors itself (exit 2); our own errors pass through it to here, each
    printed as one line on stderr: bad input and a broken environment alike exit 2.
    """
    command = typer.main.get_command(app)
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
