"""Stopping a running execution, and the heartbeat that shows its runner is alive.

The process that runs an execution (the CLI with --wait, or the background launcher) holds
one `StopSignal` and runs one `Supervisor` thread. Every `poll` seconds the supervisor reads
the execution's stop request from the database (left there by `execution stop` from any
shell) and every few seconds writes `heartbeat_at`. When a stop is requested, or Ctrl-C
reaches the runner, the signal is set: child processes of running steps (processing scripts,
training) are terminated at once, in-process steps stop at their next `check()` (between
transform batches, before a step starts), and no further step is started.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import threading
from collections.abc import Iterator

from batchops.store import executions

TERMINATE_GRACE_SECONDS = 5.0  # SIGTERM first; SIGKILL for a child that ignores it this long
MAX_POLL_SECONDS = 1.0
MAX_BEAT_SECONDS = 5.0


class StepStopped(Exception):
    """The step was interrupted because its execution is being stopped."""


class ExecutionInterrupted(KeyboardInterrupt):
    """Ctrl-C reached a runner: the execution was stopped cleanly and can be retried."""

    def __init__(self, execution_id: str) -> None:
        super().__init__(f"execution {execution_id} stopped")
        self.execution_id = execution_id


class StopSignal:
    """Set once, by whoever stops the execution; shared by the executor, steps and supervisor."""

    def __init__(self) -> None:
        self._event = threading.Event()
        self._lock = threading.Lock()
        self._processes: set[subprocess.Popen[str]] = set()
        self.by: str | None = None

    @property
    def is_set(self) -> bool:
        return self._event.is_set()

    @property
    def reason(self) -> str:
        return f"stopped by {self.by}"

    def stop(self, by: str) -> None:
        with self._lock:
            if self._event.is_set():
                return
            self.by = by
            self._event.set()
            processes = list(self._processes)
        for process in processes:
            _terminate(process)

    def check(self) -> None:
        """A checkpoint for in-process work: raise StepStopped once a stop was requested."""
        if self._event.is_set():
            raise StepStopped(self.reason)

    @contextlib.contextmanager
    def watching(self, process: subprocess.Popen[str]) -> Iterator[None]:
        """Terminate `process` (its whole process group) if the execution is stopped meanwhile."""
        with self._lock:
            self._processes.add(process)
            stopped = self._event.is_set()
        if stopped:
            _terminate(process)
        try:
            yield
        finally:
            with self._lock:
                self._processes.discard(process)


def _terminate(process: subprocess.Popen[str]) -> None:
    """SIGTERM to the child's process group, SIGKILL after a grace period, without blocking."""

    def send(sig: signal.Signals) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, sig)

    def escalate() -> None:
        try:
            process.wait(TERMINATE_GRACE_SECONDS)
        except subprocess.TimeoutExpired:
            send(signal.SIGKILL)

    if process.poll() is None:
        send(signal.SIGTERM)
        threading.Thread(target=escalate, daemon=True, name="terminate").start()


class Supervisor:
    """The runner's background thread: heartbeats out, stop requests in."""

    def __init__(self, execution_id: str, stop: StopSignal, heartbeat_timeout: float) -> None:
        self.execution_id = execution_id
        self.stop = stop
        self.poll = min(MAX_POLL_SECONDS, heartbeat_timeout / 4)
        self.beat_every = min(MAX_BEAT_SECONDS, heartbeat_timeout / 4)
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True, name="heartbeat")

    def __enter__(self) -> Supervisor:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._done.set()
        self._thread.join()

    def _run(self) -> None:
        since_beat = 0.0
        while not self._done.wait(self.poll):
            since_beat += self.poll
            write = since_beat >= self.beat_every
            try:
                stop_by = executions.poll_runner(self.execution_id, beat=write)
            except Exception:  # a busy or briefly unreachable database: try again next tick
                continue
            if write:
                since_beat = 0.0
            if stop_by is not None:
                self.stop.stop(stop_by)
