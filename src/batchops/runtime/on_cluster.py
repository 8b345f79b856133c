"""A step's work as one task on the execution's Dask cluster; the host orchestrates and records.

When an execution runs with a Dask cluster (`--dask ADDRESS`, BATCHOPS_DASK_ADDRESS), each
step's job (a processing script, the training, the model-quality job, registration's check
of the model archive) runs as one task on a worker, in a folder of the worker's own: the job
reads its inputs from the artifact store there and publishes its outputs there, so a worker
holds the store's credentials and never the database's. The host writes the job's log lines
into the step's log and records what it returned.

While the task runs, the host moves a Dask `Variable` on every second, or writes a stop into
it (`execution stop`). A job whose variable stops moving was left by a runner that died (a
`kill -9`): it stops by itself, so the retry from another host is the only one publishing.
A worker that dies mid-task has the task run again by Dask (the scheduler's
`allowed-failures`), after which the step fails naming the workers' deaths; a cluster without
any worker for NO_WORKERS_SECONDS fails the step rather than wait for ever.
"""

from __future__ import annotations

import contextlib
import pickle
import shutil
import tempfile
import threading
import time
import traceback
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Concatenate, ParamSpec, TypeVar

from batchops.data.cluster import dask_client
from batchops.errors import BatchopsError, JobFailed
from batchops.runtime.control import StepStopped, StopSignal
from batchops.runtime.workspace import StepFailed, StepIdentity, Workspace

if TYPE_CHECKING:
    from distributed import Client, Future, Variable

P = ParamSpec("P")
T = TypeVar("T")

BEAT_SECONDS = 1.0
"""How often the host shows the task it still wants it."""
ORPHAN_SECONDS = 30.0
"""How long a job goes on without a sign of its host before it stops."""
NO_WORKERS_SECONDS = 120.0
"""How long a step waits for a cluster that has no worker at all."""

_RUNNING = "running:"
_STOP = "stop:"
_EXPECTED = (BatchopsError, JobFailed, StepFailed, StepStopped)
"""A job's own failures: their message says it all, no trace needed in the log."""


@dataclass
class JobResult:
    """What a job on a worker hands back: its value or its error, and its log lines."""

    value: Any
    error: BaseException | None
    log: str


class StepCluster:
    """The Dask cluster an execution's steps run on: one client for the run, opened when the
    first step needs it and closed with `close()`."""

    def __init__(self, address: str) -> None:
        self.address = address
        self._stack = contextlib.ExitStack()
        self._client: Client | None = None
        self._lock = threading.Lock()

    def client(self) -> Client:
        with self._lock:
            if self._client is None:
                self._client = self._stack.enter_context(
                    dask_client(self.address, "running steps on a Dask cluster")
                )
            return self._client

    def close(self) -> None:
        with self._lock:
            self._stack.close()
            self._client = None

    def run(
        self,
        workspace: Workspace,
        job: Callable[Concatenate[Workspace, P], T],
        *args: P.args,
        **kwargs: P.kwargs,
    ) -> T:
        """`job(worker's workspace, ...)` as one task on a worker; its value, or its error
        raised here, once its log lines are in this step's log."""
        from distributed import Variable

        workspace.check_stopped()
        client = self.client()
        token = f"batchops-{uuid.uuid4().hex}"
        control = Variable(token, client=client)
        control.set(f"{_RUNNING}0")
        future = client.submit(
            run_job,
            workspace.identity,
            token,
            job,
            args,
            kwargs,
            key=f"{workspace.step_name}-{token}",
            pure=False,
        )
        try:
            result = self._wait(future, control, workspace)
        finally:
            with contextlib.suppress(Exception):
                control.delete()
            future.release()
        if result.log:
            workspace.log_file.write(result.log)
            workspace.log_file.flush()
        if result.error is not None:
            raise result.error
        return result.value

    def _wait(self, future: Future, control: Variable, workspace: Workspace) -> JobResult:
        from distributed import CancelledError, TimeoutError
        from distributed.scheduler import KilledWorker

        client, step, beats = self.client(), workspace.step_name, 0
        lonely_since: float | None = None
        while True:
            try:
                return future.result(timeout=BEAT_SECONDS)
            except TimeoutError:
                pass
            except KilledWorker as error:
                raise StepFailed(
                    f"{step}: the Dask workers running it died, as many times as the "
                    f"scheduler at {self.address} allows ({error})"
                ) from None
            except CancelledError:
                raise StepFailed(
                    f"{step}: the Dask scheduler at {self.address} dropped its task "
                    "(it restarted, or this host lost it)"
                ) from None
            beats += 1
            stop = workspace.stop
            control.set(f"{_STOP}{stop.by}" if stop.is_set else f"{_RUNNING}{beats}")
            if client.scheduler_info().get("workers"):
                lonely_since = None
            elif lonely_since is None:
                lonely_since = time.monotonic()
            elif time.monotonic() - lonely_since > NO_WORKERS_SECONDS:
                raise StepFailed(
                    f"{step}: the Dask cluster at {self.address} has had no worker for "
                    f"{NO_WORKERS_SECONDS:.0f} s"
                )


def run_job(
    identity: StepIdentity,
    token: str,
    job: Callable[..., Any],
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
) -> JobResult:
    """The task on the worker: the job in a fresh folder of the worker's, its log kept
    beside; a stop (or the host's silence) reaches the job's child processes as it would
    on the host. The folder is removed after, whatever happened."""
    from distributed import Variable, get_client, get_worker

    worker = get_worker()
    folder = Path(tempfile.mkdtemp(prefix="batchops-step-", dir=worker.local_directory))
    ended = threading.Event()
    stop = StopSignal()
    control = Variable(token, client=get_client())
    watcher = threading.Thread(
        target=_watch, args=(control, stop, ended), daemon=True, name="batchops-watch"
    )
    try:
        with open(folder / "step.log", "w+", encoding="utf-8") as log_file:
            workspace = Workspace(
                identity.execution_id,
                identity.pipeline,
                identity.step_name,
                identity.step_type,
                identity.output_root,
                work_dir=folder / "work",
                log_file=log_file,
                stop=stop,
            )
            workspace.work_dir.mkdir()
            workspace.log(f"on Dask worker {worker.address} ({worker.name})")
            watcher.start()
            value, error = None, None
            try:
                value = job(workspace, *args, **kwargs)
            except Exception as raised:
                error = raised
                if not isinstance(raised, _EXPECTED):
                    workspace.log(traceback.format_exc())
            log_file.seek(0)
            log = log_file.read()
    finally:
        ended.set()
        shutil.rmtree(folder, ignore_errors=True)
    return JobResult(value, _portable(error), log)


def _watch(control: Variable, stop: StopSignal, ended: threading.Event) -> None:
    """Stop the job when its host asks, or when the host has not been heard from for
    ORPHAN_SECONDS (its runner died and another host may retry the step)."""
    last: Any = None
    heard = time.monotonic()
    while not ended.wait(BEAT_SECONDS):
        try:
            value = control.get(timeout=5 * BEAT_SECONDS)
        except Exception:  # unreadable for now: counts as not heard
            value = last
        if isinstance(value, str) and value.startswith(_STOP):
            stop.stop(value.removeprefix(_STOP))
            return
        if value != last:
            last, heard = value, time.monotonic()
        elif time.monotonic() - heard > ORPHAN_SECONDS:
            stop.stop("the loss of its runner")
            return


def _portable(error: BaseException | None) -> BaseException | None:
    """The error as the host can receive it: itself, or its text when it does not pickle."""
    if error is None:
        return None
    try:
        pickle.loads(pickle.dumps(error))
    except Exception:
        return StepFailed(f"{type(error).__name__}: {error}")
    return error
