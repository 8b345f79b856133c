"""`batchops server`: the REST API and the web page from one process."""

from __future__ import annotations

from typing import Annotated

import typer

from batchops.cli.output import stdout
from batchops.errors import InvalidInput
from batchops.settings import is_loopback
from batchops.wording import counted

AUTH_ENV = "BATCHOPS_SERVER_AUTH"
HOST_ENV = "BATCHOPS_SERVER_HOST"
SCHEDULER_ENV = "BATCHOPS_SERVER_SCHEDULER"
THREADS_ENV = "BATCHOPS_SERVER_THREADS"


def register(app: typer.Typer) -> None:
    app.command()(server)


def default_workers() -> int:
    """Two processes use a two-core machine's both cores for the API (one Python process is
    bound by its interpreter lock); more mostly add memory and idle scheduler threads."""
    import os

    return max(1, min(2, os.cpu_count() or 1))


def default_threads(db_url: str) -> int:
    """Request handlers at once per process: one on SQLite (reading a local file is CPU, and
    Python threads take turns on it), a few on a database server (they wait on the network)."""
    return 1 if db_url.startswith("sqlite") else 4


def server(
    host: Annotated[str, typer.Option(help="Address to bind.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.", min=1, max=65535)] = 8080,
    no_auth: Annotated[
        bool,
        typer.Option(
            "--no-auth", help="No tokens; everything acts as the OS user (loopback only)."
        ),
    ] = False,
    no_scheduler: Annotated[
        bool,
        typer.Option(
            "--no-scheduler",
            help="Do not host the scheduler (run `batchops scheduler` elsewhere).",
        ),
    ] = False,
    workers: Annotated[
        int | None,
        typer.Option(
            help="Server processes (default: 2, or 1 on a one-core machine). Each hosts the "
            "scheduler thread; its lease lets one act at a time.",
            min=1,
            max=64,
        ),
    ] = None,
    threads: Annotated[
        int | None,
        typer.Option(
            help="Requests handled at once by each process (default: 1 on SQLite, 4 on a "
            "database server).",
            min=1,
            max=256,
        ),
    ] = None,
    access_log: Annotated[
        bool,
        typer.Option(
            "--access-log", help="Log one line per request (off by default: it costs CPU)."
        ),
    ] = False,
) -> None:
    """Serve the API (/docs) and the web page; stops cleanly on SIGTERM or Ctrl-C."""
    import os

    from batchops.cli.serving import require_free_port, serve
    from batchops.settings import get_settings
    from batchops.store.db import display_url, get_engine

    if no_auth and not is_loopback(host):
        raise InvalidInput(f"--no-auth is allowed only on a loopback address, not {host!r}")
    settings = get_settings()
    get_engine()  # a database that does not open is one clear error before binding
    require_free_port(host, port)  # and a port taken is one too, before anything is printed
    stdout.print(f"home: {settings.home}  database: {display_url(settings.db_url)}")
    if no_auth:
        stdout.print(f"auth: off (loopback); every action is recorded as {settings.user}")
    else:
        stdout.print("auth: on; make a token with `batchops token create --user NAME --role admin`")
    processes = workers or default_workers()
    handlers = threads or default_threads(settings.db_url)
    stdout.print(
        f"workers: {counted(processes, 'process')}, {counted(handlers, 'request')} at a time each"
    )
    if no_scheduler:
        stdout.print("scheduler: not hosted (--no-scheduler)")
    else:
        stdout.print("scheduler: hosted (schedules, rules, alarms and webhooks)")
    # The server sits beside the CLI, not below it: uvicorn loads it by its import string.
    os.environ[AUTH_ENV] = "off" if no_auth else "on"
    os.environ[HOST_ENV] = host
    os.environ[SCHEDULER_ENV] = "off" if no_scheduler else "on"
    os.environ[THREADS_ENV] = str(handlers)
    serve(
        "batchops.server.app:app_from_environment",
        host=host,
        port=port,
        workers=processes,
        http="batchops.server.protocol:NoDelayHttpToolsProtocol",
        loop="auto",  # uvloop where it is installed (not on Windows)
        log_level="info",
        access_log=access_log,
        timeout_graceful_shutdown=10,
        on_listening=lambda: _say_serving(host, port),
    )


def _say_serving(host: str, port: int) -> None:
    """Printed once the port accepts connections: a script may wait for this line."""
    stdout.print(f"serving on {_address(host, port)} (API docs at /docs)")


def _address(host: str, port: int) -> str:
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}/"
