"""The scheduler hosted by `batchops server`: one background thread started with the app and
stopped on its shutdown, so one process serves the page and runs schedules, rules and alarms.
The scheduler's lease still makes sure only one scheduler acts on a database."""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI

STOP_SECONDS = 15.0


class HostedScheduler:
    def __init__(self) -> None:
        from batchops.events.scheduler import Scheduler

        self.scheduler = Scheduler()
        self.thread = threading.Thread(
            target=self.scheduler.run_forever, name="batchops-scheduler", daemon=True
        )

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.scheduler.stop.set()
        self.thread.join(STOP_SECONDS)


def lifespan(with_scheduler: bool, threads: int | None = None) -> Any:
    """The app's lifespan: the scheduler runs between start-up and shutdown when asked for;
    `threads` bounds the request handlers running at once in this process.

    Handlers are Python: in one process they take turns on the interpreter lock, so forty
    threads reading a SQLite file make every request slower (each waits out the others'
    time slices, and the event loop waits to answer) without doing more work. One handler
    at a time per process gave half the CPU per request under 20 concurrent clients; more
    only pay off while handlers wait on a database server over the network."""

    @asynccontextmanager
    async def run(app: FastAPI) -> AsyncIterator[None]:
        if threads is not None:
            import anyio.to_thread

            anyio.to_thread.current_default_thread_limiter().total_tokens = threads
        hosted = HostedScheduler() if with_scheduler else None
        app.state.scheduler = hosted
        if hosted is not None:
            hosted.start()
        try:
            yield
        finally:
            if hosted is not None:
                hosted.stop()

    return run
