"""`batchops execution list | describe ID | logs ID [STEP] | retry ID | stop ID | delete ID`.

Ctrl-C while a command runs an execution here (`pipeline start --wait`, `retry --wait`)
stops it cleanly: it ends Stopped, the command prints its id and the retry command, and
exits 130 (the shell's code for an interrupted command).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Annotated

import typer

from batchops.cli.output import (
    JsonFlag,
    StepsDaskOption,
    print_json,
    print_none_found,
    print_table,
    stderr,
    stdout,
    styled,
    write_text,
)
from batchops.store.statuses import ExecutionStatus, StepStatus
from batchops.wording import counted, duration

if TYPE_CHECKING:
    from batchops.runtime.execution import Execution
    from batchops.runtime.summary import ExecutionSummary

app = typer.Typer(help="Executions: status, logs, stop, retry, delete.", no_args_is_help=True)


def register(parent: typer.Typer) -> None:
    parent.add_typer(app, name="execution")


_COLOURS: dict[str, str] = {
    StepStatus.SUCCEEDED: "green",
    StepStatus.FAILED: "red",
    StepStatus.EXECUTING: "cyan",
}
INTERRUPTED_EXIT_CODE = 130


@app.command("list")
def list_(
    pipeline: Annotated[str | None, typer.Option(help="Only this pipeline's.")] = None,
    status: Annotated[
        str | None, typer.Option(help="Only this status: Executing, Succeeded, Failed, Stopped.")
    ] = None,
    limit: int = 50,
    quiet: Annotated[
        bool, typer.Option("-q", "--quiet", help="Only the ids, one per line, newest first.")
    ] = False,
    as_json: JsonFlag = False,
) -> None:
    """Recent executions, newest first, with their end time and duration."""
    from batchops.store.executions import list_executions

    rows = list_executions(pipeline, limit, status)
    if quiet:
        for r in rows:
            stdout.out(r["id"])
        return
    if as_json:
        print_json(rows)
        return
    if not rows:
        print_none_found(f"executions of {pipeline}" if pipeline else "executions")
        return
    print_table(
        ("ID", "PIPELINE", "STATUS", "STARTED", "ENDED", "DURATION"),
        [
            (
                r["id"],
                r["pipeline"],
                r["status"],
                r["started_at"][:19],
                (r["ended_at"] or "-")[:19],
                duration(r["duration_seconds"]),
            )
            for r in rows
        ],
        right=[5],
    )


@app.command()
def describe(execution_id: str, as_json: JsonFlag = False) -> None:
    """An execution with each step's status, properties and failure, and what it produced."""
    from batchops.runtime.summary import summarize_execution
    from batchops.store.executions import execution_record

    record = execution_record(execution_id)
    summary = summarize_execution(record)
    if as_json:
        print_json({**record.to_json(), "summary": summary.to_json()})
        return
    stdout.print(styled((record.id, "bold"), f" {record.pipeline}: {summary.headline}"))
    if record.failure_reason:
        stdout.print(f"  failure: {record.failure_reason}")
    for step in record.steps:
        cached = f" (cached from {step.cached_from})" if step.cached_from else ""
        stdout.print(f"  {step.name:<34} {step.status}{cached}")
    print_summary(summary)


@app.command()
def logs(
    execution_id: str,
    step: Annotated[str | None, typer.Argument()] = None,
    grep: Annotated[str | None, typer.Option(help="Only lines matching this regex.")] = None,
    since: Annotated[
        str | None, typer.Option(help="Only attempts started at or after this ISO moment.")
    ] = None,
    follow: Annotated[
        bool, typer.Option("--follow", "-f", help="Keep printing until the execution ends.")
    ] = False,
) -> None:
    """The captured output of each step (or one step)."""
    import time

    from batchops.runtime.execution import execution_logs, filter_log
    from batchops.store.executions import get_execution_row

    moment = None
    if since:
        from datetime import UTC, datetime

        from batchops.errors import InvalidInput

        try:
            moment = datetime.fromisoformat(since.replace("Z", "+00:00"))
        except ValueError as error:
            raise InvalidInput(f"--since {since!r} is not an ISO-8601 moment") from error
        moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    shown: dict[str, int] = {}
    while True:
        ended = ExecutionStatus(get_execution_row(execution_id).status).is_terminal
        for name, text in execution_logs(execution_id, step).items():
            new = text[shown.get(name, 0) :]
            shown[name] = len(text)
            new = filter_log(new, grep, moment)
            if not new:
                continue
            stdout.print(styled((f"== {name}", "bold")))
            write_text(new if new.endswith("\n") else new + "\n")
        if not follow or ended:
            return
        time.sleep(0.5)


@app.command()
def retry(
    execution_id: str,
    wait: Annotated[bool, typer.Option("--wait", help="Run here and wait for the end.")] = False,
    dask: StepsDaskOption = None,
    as_json: JsonFlag = False,
) -> None:
    """Run again from the failed steps, reusing the outputs of the steps that succeeded (from
    any host sharing the database and the artifact store)."""
    from batchops.runtime.execution import retry_execution

    with stop_on_interrupt():
        execution = retry_execution(
            execution_id, wait=wait, on_event=print_step_event if wait else None, dask=dask
        )
    report_execution(execution, as_json, waited=wait)


@app.command()
def stop(
    execution_id: str,
    wait: Annotated[bool, typer.Option("--wait", help="Wait until it has stopped.")] = False,
    timeout: Annotated[float, typer.Option(help="Seconds to wait at most, with --wait.")] = 120,
) -> None:
    """Stop a running execution, wherever it runs; `retry` resumes it later.

    Running processing and training jobs are terminated, in-process steps stop at their next
    checkpoint, steps not started end NotExecuted. An execution that already ended
    otherwise is refused (exit 2); stopping a Stopped one does nothing.
    """
    from batchops.runtime.execution import Execution, stop_execution

    if not stop_execution(execution_id):
        stdout.print(f"execution {execution_id} is already Stopped")
        return
    if not wait:
        stdout.print(f"stop requested for execution {execution_id}")
        return
    described = Execution(execution_id).wait(poll_seconds=0.25, timeout=timeout)
    stdout.print(f"execution {execution_id}: {described['status']}")


@app.command()
def delete(execution_id: str) -> None:
    """Delete an execution's record and files; refused while it runs.

    Files a registered model version points at are kept.
    """
    from batchops.runtime.cleanup import delete_execution
    from batchops.wording import counted

    removal = delete_execution(execution_id)
    kept = (
        f"; kept {counted(len(removal.kept), 'file')} a model version uses" if removal.kept else ""
    )
    stdout.print(
        f"deleted execution {execution_id} and {counted(len(removal.files), 'file')} "
        f"({removal.bytes:,} bytes){kept}"
    )


@contextmanager
def stop_on_interrupt() -> Iterator[None]:
    """Around a run in this process: after Ctrl-C (stopped cleanly by the runtime) say how
    to resume it, and exit 130."""
    from batchops.runtime.control import ExecutionInterrupted

    try:
        yield
    except ExecutionInterrupted as interrupted:
        stdout.print(f"execution {interrupted.execution_id}: {ExecutionStatus.STOPPED}")
        stderr.print(
            f"interrupted: execution {interrupted.execution_id} stopped; resume it with: "
            f"batchops execution retry {interrupted.execution_id}",
            soft_wrap=True,
        )
        raise typer.Exit(INTERRUPTED_EXIT_CODE) from None


def print_step_event(step: str, status: str, message: str) -> None:
    """A step's progress on stderr, so stdout keeps only the result; the message's first line."""
    colour = _COLOURS.get(status, "yellow")
    first_line = message.splitlines()[0] if message else ""
    stderr.print(styled(f"  {step:<34} ", (status, colour), f" {first_line}"))


def report_execution(execution: Execution, as_json: bool, *, waited: bool) -> None:
    """Print the execution (JSON, or what it produced); once waited for, exit 1 unless it
    succeeded."""
    from batchops.errors import JobFailed
    from batchops.runtime.summary import summarize_execution

    record = execution.record()
    summary = summarize_execution(record)
    if as_json:
        print_json({**record.to_json(), "summary": summary.to_json()})
    else:
        stdout.print(f"execution {execution.id}: {summary.headline}")
        print_summary(summary)
    if waited and record.status == ExecutionStatus.STOPPED:
        resume = f"resume it with: batchops execution retry {execution.id}"
        raise JobFailed(f"{record.failure_reason}; {resume}")
    if waited and record.status != ExecutionStatus.SUCCEEDED:
        raise JobFailed(record.failure_reason or "the execution failed")


#: Metrics shown first (the rest of evaluation.json stays in --json and the registry).
_HEADLINE_METRICS = ("accuracy", "auc", "f1", "precision", "recall")


def print_summary(summary: ExecutionSummary, indent: str = "  ") -> None:
    """What an execution produced, for people: the lines under its status."""
    for scoring in summary.scoring:
        stdout.print(f"{indent}scored {counted(scoring.rows, 'row')} in {scoring.step}")
        stdout.print(f"{indent}predictions: {scoring.predictions}")
        for column, count in sorted(scoring.unknown_categories.items()):
            stdout.print(
                f"{indent}  {counted(count, 'row')} with a {column} unseen in training "
                "(scored as zeros)"
            )
    for check in summary.checks:
        kinds = ", ".join(check.violation_types) or "none"
        stdout.print(
            f"{indent}data-quality violations: {check.violations} ({kinds}) in {check.step}"
        )
        for violation in check.found:
            column = f" ({violation.column})" if violation.column else ""
            stdout.print(f"{indent}  - {violation.feature}{column}: {violation.description}")
        stdout.print(f"{indent}violation report: {check.violation_report}")
        if check.report:
            stdout.print(f"{indent}report: {check.report}")
    if summary.metrics:
        shown = [name for name in _HEADLINE_METRICS if name in summary.metrics]
        figures = ", ".join(f"{name} {summary.metrics[name]:.3f}" for name in shown)
        stdout.print(f"{indent}metrics: {figures or 'see --json'}")
    for baseline in summary.baselines:
        stdout.print(f"{indent}baseline statistics: {baseline.statistics}")
        stdout.print(f"{indent}baseline constraints: {baseline.constraints}")
    for registered in summary.registered:
        stdout.print(f"{indent}registered {registered.ref} ({registered.status})")
        if registered.status == "PendingManualApproval":
            stdout.print(f"{indent}approve it with:")
            stdout.print(f'{indent}  batchops registry approve {registered.ref} --reason "…"')
