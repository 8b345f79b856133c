"""The application: API routers, the page, one error mapping, static files."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from batchops import __version__

STATIC = Path(__file__).with_name("static")


def create_app(
    *, auth: bool = True, scheduler: bool = False, threads: int | None = None
) -> FastAPI:
    """The server's app; `auth=False` (loopback only, checked by the CLI) acts as the OS user;
    `scheduler` hosts the scheduler in a thread while the app runs; `threads` bounds the
    requests handled at once in this process (None: the framework's default of 40)."""
    from batchops.server import errors, hosting, pages, prometheus
    from batchops.server.body_limit import BodyLimit
    from batchops.server.routes import ROUTERS
    from batchops.settings import max_request_bytes

    app = FastAPI(
        title="batchops",
        version=__version__,
        description="Pipelines, executions, the model registry and monitoring results. "
        "Send `Authorization: Bearer <token>` (`batchops token create`).",
        lifespan=hosting.lifespan(scheduler, threads),
    )
    app.state.auth = auth
    app.state.collectors = prometheus.registry()
    app.add_middleware(BodyLimit, max_bytes=max_request_bytes())
    errors.install(app)
    for router in ROUTERS:
        app.include_router(router)
    app.include_router(pages.router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    return app


def app_from_environment() -> FastAPI:
    """The app `batchops server` starts (through uvicorn's factory string): auth stays on
    unless the command turned it off for a loopback bind; the scheduler runs unless
    `--no-scheduler`; writes wait BATCHOPS_SERVER_LOCK_TIMEOUT for a lock."""
    import os

    from batchops.settings import is_loopback, server_lock_timeout
    from batchops.store.db import bound_lock_waits

    host = os.environ.get("BATCHOPS_SERVER_HOST", "")
    off = os.environ.get("BATCHOPS_SERVER_AUTH") == "off"
    loopback = is_loopback(host)
    scheduler = os.environ.get("BATCHOPS_SERVER_SCHEDULER", "on") != "off"
    threads = os.environ.get("BATCHOPS_SERVER_THREADS", "")
    # A write waiting for another writer's lock holds a request handler (one per process on
    # SQLite): a server waits seconds, then answers 503 with Retry-After.
    bound_lock_waits(server_lock_timeout())
    return create_app(
        auth=not (off and loopback),
        scheduler=scheduler,
        threads=int(threads) if threads.isdigit() and int(threads) > 0 else None,
    )
