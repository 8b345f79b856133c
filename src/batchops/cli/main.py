"""`batchops`: wires the command groups together and turns failures into exit codes.

Exit codes: 0 done, 1 the job ran and failed, 2 bad usage or bad input, 130 an execution
run here was stopped by Ctrl-C (it ends Stopped; `execution retry` resumes it). A command's
module is imported, and its commands built, only when it runs (`batchops.cli.lazy`); the modules
import their heavy libraries inside the commands: so `batchops --help` and the listings start fast.
"""

from __future__ import annotations

import atexit
import functools
import gc
import sys
from collections.abc import Callable
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from batchops import __version__
from batchops.cli.lazy import Command, LazyGroup
from batchops.cli.output import as_options, printable
from batchops.errors import BatchopsError, JobFailed

# Each command and the module of batchops.cli that registers it, in the order `--help` lists them.
COMMANDS = {
    "baseline": "baseline",
    "monitor": "monitor",
    "transform": "transform",
    "demo": "demo",
    "model-quality": "model_quality",
    "gc": "gc",
    "server": "server",
    "init": "project",
    "plan": "project",
    "apply": "project",
    "pipeline": "pipeline",
    "execution": "execution",
    "registry": "registry",
    "data": "data",
    "outputs": "outputs",
    "schedule": "schedule",
    "rule": "rule",
    "alarm": "alarm",
    "scheduler": "scheduler",
    "token": "token",
    "home": "home",
    "ground-truth": "model_quality",
    "lineage": "model_quality",
}

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


class _Batchops(LazyGroup):
    modules = COMMANDS

    def prepare(self, name: str, command: Command) -> None:
        """Each READ_ONLY command's transactions begin deferred."""
        for leaf_name in READ_ONLY.get(name, ()):
            assert isinstance(command, TyperGroup)
            leaf = command.commands[leaf_name]
            assert leaf.callback is not None
            leaf.callback = _deferring(leaf.callback)


def _deferring(callback: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(callback)
    def read(*args: Any, **kwargs: Any) -> Any:
        from batchops.store.db import prefer_concurrent_reads

        prefer_concurrent_reads()
        return callback(*args, **kwargs)

    return read


app = typer.Typer(
    name="batchops",
    help="MLOps for batch use cases, local-first: pipelines, registry, monitoring, transform.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=True,
    cls=_Batchops,
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


def run(argv: list[str] | None = None) -> None:
    """Entry point: run the command and exit with 0, 1 or 2.

    Click handles usage errors itself (exit 2); our own errors pass through it to here, each
    printed as one line on stderr: bad input and a broken environment alike exit 2.
    """
    command = typer.main.get_command(app)
    _exit_quickly_at_the_end()
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


def _exit_quickly_at_the_end() -> None:
    """At the process's end, after the exit handlers the command registered: close the pooled
    database connections, then freeze what is left, so the interpreter's last garbage
    collections pass over none of it: with SQLAlchemy or pyarrow loaded, those passes took 0.2
    to 0.5 s of a command's end. Every file is closed by then, and weakref finalizers and the
    other exit handlers still run."""
    atexit.unregister(_freeze_at_exit)  # once, however often `run` is called in this process
    atexit.register(_freeze_at_exit)


def _freeze_at_exit() -> None:
    database = sys.modules.get("batchops.store.db")  # only if this process opened it
    if database is not None:
        database.dispose_engines()
    gc.freeze()


def _say(kind: str, error: BaseException) -> None:
    """One message on stderr, the parameters a library message names as the options that set
    them; what came from data (control characters) is shown escaped."""
    sys.stderr.write(f"{kind}: {printable(as_options(str(error)))}\n")


if __name__ == "__main__":
    run()
