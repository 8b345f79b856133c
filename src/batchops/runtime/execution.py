"""The handle a user holds on an execution: start, describe, wait, stop, retry."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from batchops.crashpoints import NO_CRASH, CrashPoints
from batchops.errors import BatchopsError, NotFound
from batchops.pipeline.graph import PipelineGraph
from batchops.pipeline.parameters import bind_parameters, parameter_from_declaration
from batchops.runtime.catalog import get_definition
from batchops.runtime.step_logs import RUNNER_LOG
from batchops.settings import expand_locations, get_settings
from batchops.store import artifacts, executions
from batchops.store.db import database_folder
from batchops.store.disks import require_room
from batchops.store.execution_records import ExecutionRecord
from batchops.store.statuses import RETRYABLE, ExecutionStatus

if TYPE_CHECKING:
    from batchops.runtime.executor import EventCallback

Prepare = Callable[[dict[str, Any]], None]


class Execution:
    def __init__(self, execution_id: str) -> None:
        self.id = execution_id

    def record(self) -> ExecutionRecord:
        """The execution and its steps as they stand now."""
        return executions.execution_record(self.id)

    def describe(self) -> dict[str, Any]:
        """The record's JSON object, as `execution describe --json` shows it (SageMaker's
        `describe()` answers a dict too)."""
        return self.record().to_json()

    @property
    def status(self) -> ExecutionStatus:
        return ExecutionStatus(executions.get_execution_row(self.id).status)

    def wait(self, poll_seconds: float = 0.5, timeout: float | None = None) -> dict[str, Any]:
        deadline = None if timeout is None else time.monotonic() + timeout
        while not self.status.is_terminal:
            if deadline is not None and time.monotonic() > deadline:
                raise TimeoutError(f"execution {self.id} still running after {timeout} s")
            time.sleep(poll_seconds)
        return self.describe()

    def __repr__(self) -> str:
        return f"Execution({self.id!r})"


def require_room_to_start(pipeline: str) -> None:
    """Refuse to begin a run of `pipeline` on a disk too full to record it (before anything,
    a provider's definitions included, is written for it)."""
    require_room(database_folder() or get_settings().home, f"starting an execution of {pipeline}")


def start_execution(
    pipeline: str,
    version: int | None,
    parameters: dict[str, Any],
    *,
    wait: bool = False,
    on_event: EventCallback | None = None,
    prepare: Prepare | None = None,
    trigger_key: str | None = None,
    trigger: dict[str, Any] | None = None,
    after_record: Callable[[str], None] | None = None,
    user: str | None = None,
    crash_points: CrashPoints = NO_CRASH,
    dask: str | None = None,
) -> Execution:
    """Check the parameters, record the execution, and run it here (`wait`) or in the background.

    `user` (default: the settings' user) is recorded as who started it, and a background
    runner acts as that user (the server passes the token's user).

    String values starting with `${BATCHOPS_HOME}` or `${BATCHOPS_ARTIFACTS}` (a stored
    definition's host-independent defaults) become places under this home or artifact store;
    the execution records the places. `prepare` gets the checked values (defaults filled in)
    before anything is recorded: the
    place to make an input the run reads, so it is made only for a run that needs it.
    `trigger_key` makes the start idempotent (a second start with the key is a Conflict) and
    `trigger` (what started it: schedule or rule, the chain of events) is kept on the record;
    `after_record` is called with the id between recording and running. `crash_points`
    (tests only) are where the runner dies, here or on its launcher's command line. `dask`:
    the Dask cluster its steps' work runs on (default BATCHOPS_DASK_ADDRESS; neither: here).
    """
    artifacts.require_usable(artifacts.artifacts_root())
    version, definition = get_definition(pipeline, version)
    graph = PipelineGraph.from_definition(definition)
    declared = [parameter_from_declaration(p) for p in graph.parameters]
    values = {
        name: expand_locations(value) if isinstance(value, str) else value
        for name, value in bind_parameters(declared, parameters).items()
    }
    if prepare is not None:
        prepare(dict(values))
    steps = {name: node.type for name, node in graph.steps.items()}
    settings = get_settings()
    require_room_to_start(pipeline)
    user = user or settings.user
    execution_id = executions.create_execution(
        pipeline,
        version,
        values,
        steps,
        user,
        trigger_key=trigger_key,
        trigger=trigger,
    )
    if after_record is not None:
        after_record(execution_id)
    _run(
        execution_id,
        wait=wait,
        on_event=on_event,
        user=user,
        crash_points=crash_points,
        dask=dask,
    )
    return Execution(execution_id)


def retry_execution(
    execution_id: str,
    *,
    wait: bool = False,
    on_event: EventCallback | None = None,
    user: str | None = None,
    crash_points: CrashPoints = NO_CRASH,
    dask: str | None = None,
) -> Execution:
    """Run again the steps that did not succeed, reusing the outputs of those that did; a
    background runner acts as `user` (default: the settings' user). Any host sharing the
    database and the artifact store can retry what another started; `dask` as for
    `start_execution`."""
    status = executions.get_execution_row(execution_id).status
    artifacts.require_usable(artifacts.artifacts_root())
    if status not in RETRYABLE:
        raise BatchopsError(
            f"execution {execution_id} is {status}; only a failed execution can be retried"
        )
    require_room(database_folder() or get_settings().home, f"retrying execution {execution_id}")
    executions.reset_for_retry(execution_id)
    _run(
        execution_id,
        wait=wait,
        on_event=on_event,
        user=user or get_settings().user,
        crash_points=crash_points,
        dask=dask,
    )
    return Execution(execution_id)


def stop_execution(execution_id: str, user: str | None = None) -> bool:
    """Ask the execution's runner to stop, wherever it runs; False if it is already Stopped.

    The runner polls for the request every second or so: its running child processes are
    terminated, its in-process steps stop at their next checkpoint, and it ends Stopped. An
    execution that ended otherwise is a Conflict. `Execution.wait()` waits for the end.
    """
    return executions.request_stop(execution_id, user or get_settings().user)


def get_execution(execution_id: str) -> Execution:
    executions.get_execution_row(execution_id)  # raises NotFound
    return Execution(execution_id)


def execution_logs(execution_id: str, step: str | None = None) -> dict[str, str]:
    """Each step's captured output in run order (or one step's); unknown names are NotFound."""
    from batchops.runtime.executor import logs_of

    executions.get_execution_row(execution_id)
    names = [row.name for row in executions.step_rows(execution_id)]
    if step and step not in names:
        raise executions.no_such_step(execution_id, step, names)
    return logs_of(execution_id, step)


def filter_log(text: str, grep: str | None = None, since: datetime | None = None) -> str:
    """A step log's lines matching `grep` (a regex), of the attempts started at or after
    `since` (each attempt opens with a `--- STEP (type), attempt N, ISO-moment` line)."""
    import re

    from batchops.errors import InvalidInput

    try:
        pattern = re.compile(grep) if grep else None
    except re.error as error:
        raise InvalidInput(f"`grep` {grep!r} is not a regular expression: {error}") from error
    kept, keep = [], since is None
    for line in text.splitlines(keepends=True):
        if since is not None and line.startswith("--- ") and ", attempt " in line:
            try:
                keep = datetime.fromisoformat(line.rsplit(", ", 1)[1].strip()) >= since
            except ValueError:
                keep = True
        if keep and (pattern is None or pattern.search(line)):
            kept.append(line)
    return "".join(kept)


def _run(
    execution_id: str,
    *,
    wait: bool,
    on_event: EventCallback | None,
    user: str,
    crash_points: CrashPoints,
    dask: str | None,
) -> None:
    """Run here, or in a background runner whose records (a registered version's creator, a
    retry's approvals) name `user`: it is that process's BATCHOPS_USER."""
    if wait:
        from batchops.runtime.executor import run_execution

        run_execution(execution_id, on_event, crash_points, dask)
        return
    # What the runner prints (a trace if it crashes) goes to a local file first; the runner
    # keeps it with the execution's logs in the artifact store when it ends.
    output = get_settings().home / "work" / execution_id / RUNNER_LOG
    output.parent.mkdir(parents=True, exist_ok=True)
    with open(output, "ab") as log:
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "batchops.runtime.launcher",
                execution_id,
                str(output),
                *crash_points.arguments(),
                *(["--dask", dask] if dask else []),
            ],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=log,
            start_new_session=True,
            env={**os.environ, "BATCHOPS_USER": user},
        )


__all__ = [
    "Execution",
    "NotFound",
    "execution_logs",
    "get_execution",
    "retry_execution",
    "start_execution",
    "stop_execution",
]
