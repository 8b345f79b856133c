"""Worker processes fed round-robin, so batch k's result is the next one worker k % N sends.

Each worker is a fresh interpreter running `batchops.transform.worker`, talking over its
stdin and stdout. Unlike multiprocessing's spawn, this never re-imports the caller's main
module (no `if __name__ == "__main__"` guard needed, no start-up spent importing the CLI),
and a worker that dies, however it dies, is seen at once as the end of its output pipe.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from batchops.transform import wire
from batchops.transform.protocol import BatchScored, Reply, WorkerInit

if TYPE_CHECKING:
    from batchops.transform.plan import Task

_ENTRY = "from batchops.transform.worker import main; main()"
WORKER_MARK = "batchops.transform.worker"


class WorkerDied(Exception):
    def __init__(self, index: int, pid: int | None, exitcode: int | None) -> None:
        self.index = index
        self.pid = pid
        self.exitcode = exitcode
        super().__init__(self.describe())

    def describe(self) -> str:
        if self.exitcode is not None and self.exitcode < 0:
            try:
                how = f"killed by {signal.Signals(-self.exitcode).name}"
            except ValueError:
                how = f"killed by signal {-self.exitcode}"
        elif self.exitcode is None:
            how = "stopped answering"
        else:
            how = f"exited with code {self.exitcode}"
        return f"transform worker {self.index} (pid {self.pid}) {how}"


class WorkerPool:
    """Start `count` workers at once; `start(init)` then gives them the model and settings."""

    def __init__(self, count: int, threads: int) -> None:
        self.threads = threads
        self._processes: list[subprocess.Popen[bytes]] = []
        environment = _environment(threads)
        try:
            for _ in range(count):
                self._processes.append(
                    subprocess.Popen(
                        [sys.executable, "-c", _ENTRY, WORKER_MARK, str(threads)],
                        stdin=subprocess.PIPE,
                        stdout=subprocess.PIPE,
                        env=environment,
                    )
                )
        except BaseException:
            self.terminate()
            raise

    @property
    def size(self) -> int:
        return len(self._processes)

    def start(self, init: WorkerInit) -> None:
        for index in range(len(self._processes)):
            self.submit(index, init)

    def submit(self, index: int, task: Task | WorkerInit) -> None:
        stream = self._processes[index].stdin
        assert stream is not None
        try:
            wire.send(stream, task)
        except (BrokenPipeError, ConnectionResetError, OSError, ValueError):
            raise self._died(index) from None

    def receive(self, index: int) -> tuple[Reply, bytes | None]:
        """The worker's next reply (and payload, for `BatchScored`); WorkerDied if it is gone."""
        stream = self._processes[index].stdout
        assert stream is not None
        try:
            message: Reply = wire.receive(stream)
            payload = wire.receive_bytes(stream) if isinstance(message, BatchScored) else None
        except (EOFError, OSError, ValueError):
            raise self._died(index) from None
        return message, payload

    def _died(self, index: int) -> WorkerDied:
        process = self._processes[index]
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=5)
        return WorkerDied(index, process.pid, process.returncode)

    def close(self) -> None:
        """Tell every worker there is no more work (end of its input), then wait for it."""
        for process in self._processes:
            if process.stdin is not None:
                with contextlib.suppress(OSError):
                    process.stdin.close()
        for process in self._processes:
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=10)
        self.terminate()

    def terminate(self) -> None:
        for process in self._processes:
            if process.poll() is None:
                process.terminate()
        for process in self._processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            for stream in (process.stdin, process.stdout):
                if stream is not None:
                    with contextlib.suppress(OSError):
                        stream.close()


def _environment(threads: int) -> dict[str, str]:
    """The caller's environment, with the thread counts fixed before libraries start pools.

    When batchops is imported from outside site-packages (a source checkout on sys.path),
    that folder goes first on PYTHONPATH, so a worker runs the same code as its caller.
    """
    import site

    environment = dict(os.environ)
    environment["POLARS_MAX_THREADS"] = str(threads)
    environment["OMP_NUM_THREADS"] = str(threads)
    source = Path(__file__).resolve().parents[2]
    installed = {Path(p).resolve() for p in [*site.getsitepackages(), site.getusersitepackages()]}
    if source not in installed:
        current = environment.get("PYTHONPATH")
        environment["PYTHONPATH"] = str(source) + (os.pathsep + current if current else "")
    return environment
