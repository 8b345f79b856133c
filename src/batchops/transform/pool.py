"""Worker processes fed round-robin, so batch k's result is the next one worker k % N sends.

Each worker has its own task pipe and result pipe; waiting on a worker's result pipe
together with its process sentinel is how a worker that dies (killed, out of memory) is
noticed at once instead of hanging the job.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import signal
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from multiprocessing.process import BaseProcess
from typing import Any

from batchops.transform.worker import WorkerInit, worker_main


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


@dataclass
class _Worker:
    process: BaseProcess
    tasks: Connection
    results: Connection


class WorkerPool:
    """Start `count` workers at once; `start(init)` then gives them the model and settings."""

    def __init__(self, count: int, threads: int) -> None:
        context = multiprocessing.get_context("spawn")
        self._workers: list[_Worker] = []
        try:
            for index in range(count):
                task_out, task_in = context.Pipe(duplex=False)
                result_out, result_in = context.Pipe(duplex=False)
                process = context.Process(
                    target=worker_main,
                    args=(task_out, result_in, threads),
                    name=f"batchops-transform-{index}",
                    daemon=True,
                )
                process.start()
                task_out.close()
                result_in.close()
                self._workers.append(_Worker(process, task_in, result_out))
        except BaseException:
            self.terminate()
            raise

    @property
    def size(self) -> int:
        return len(self._workers)

    @property
    def pids(self) -> list[int | None]:
        return [worker.process.pid for worker in self._workers]

    def start(self, init: WorkerInit) -> None:
        for index in range(len(self._workers)):
            self.submit(index, init)

    def submit(self, index: int, task: Any) -> None:
        worker = self._workers[index]
        try:
            worker.tasks.send(task)
        except (BrokenPipeError, ConnectionResetError, OSError):
            raise self._died(index) from None

    def receive(self, index: int) -> tuple[tuple[Any, ...], bytes | None]:
        """The worker's next message (and payload, for "ok"); WorkerDied if it is gone."""
        worker = self._workers[index]
        if not worker.results.poll():
            wait([worker.results, worker.process.sentinel])
        try:
            if worker.results.poll():
                message = worker.results.recv()
                payload = worker.results.recv_bytes() if message[0] == "ok" else None
                return message, payload
        except (EOFError, OSError):
            pass
        raise self._died(index)

    def _died(self, index: int) -> WorkerDied:
        process = self._workers[index].process
        process.join(timeout=5)
        return WorkerDied(index, process.pid, process.exitcode)

    def close(self) -> None:
        """Ask every worker to finish, then make sure none is left running."""
        for worker in self._workers:
            with contextlib.suppress(OSError):
                worker.tasks.send(None)
        for worker in self._workers:
            worker.process.join(timeout=10)
        self.terminate()

    def terminate(self) -> None:
        for worker in self._workers:
            if worker.process.is_alive():
                worker.process.terminate()
        for worker in self._workers:
            worker.process.join(timeout=10)
            if worker.process.is_alive():
                worker.process.kill()
                worker.process.join()
            worker.tasks.close()
            worker.results.close()
