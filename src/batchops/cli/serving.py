"""Server processes that each own a listening socket on the same port (SO_REUSEPORT).

uvicorn's own workers share one socket, and the kernel hands a burst of new connections
mostly to whichever process wakes first: 20 keep-alive clients split 20/0, 6/14 and 7/13
between two workers in a probe, so one process served most requests while the other idled.
With a socket each, the kernel spreads connections by their addresses (8/12 to 10/10 in the
same probe). That spreading is Linux's; elsewhere (macOS and BSD give all connections to
one of the sockets, Windows has none) uvicorn's workers are used as they are.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import socket
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

from batchops.errors import EnvironmentProblem

STOP_SECONDS = 20.0
"""How long the processes get to finish their requests and shut down after SIGTERM."""

INTERRUPT_SECONDS = 3.0
"""After Ctrl-C, how long the processes may stop by themselves before they are told to."""

STEADY_SECONDS = 10.0
"""A process that ended sooner after its start is a broken setup, not a crash to restart."""


def require_free_port(host: str, port: int) -> None:
    """One clear error, before anything starts or is printed, when the port is taken: bound
    without SO_REUSEPORT, the probe fails on a port anyone listens on (another server of ours
    included)."""
    _listening_socket(host, port, shared=False).close()


def serve(
    app: str,
    *,
    host: str,
    port: int,
    workers: int,
    on_listening: Callable[[], None] = lambda: None,
    **options: Any,
) -> None:
    """Run the uvicorn app factory `app` in `workers` processes until SIGTERM or Ctrl-C;
    `on_listening` is called once the port accepts connections."""
    listening = _announce_when_listening(host, port, on_listening)
    try:
        _serve(app, host, port, workers, options)
    finally:
        listening.set()


def _announce_when_listening(
    host: str, port: int, on_listening: Callable[[], None]
) -> threading.Event:
    """Call `on_listening` from a thread once a connection to the port succeeds (what a
    client needs, whichever process binds first); setting the event returned ends the wait."""
    done = threading.Event()
    target = {"0.0.0.0": "127.0.0.1", "": "127.0.0.1", "::": "::1"}.get(host, host)

    def wait() -> None:
        while not done.is_set():
            try:
                socket.create_connection((target, port), timeout=1).close()
            except OSError:
                done.wait(0.1)
                continue
            on_listening()
            return

    threading.Thread(target=wait, name="announce-listening", daemon=True).start()
    return done


def _serve(app: str, host: str, port: int, workers: int, options: dict[str, Any]) -> None:
    import uvicorn

    if workers == 1 or not sys.platform.startswith("linux"):
        uvicorn.run(app, factory=True, host=host, port=port, workers=workers, **options)
        return
    context = multiprocessing.get_context("spawn")
    stop = threading.Event()
    received: list[int] = []

    def start() -> Any:
        process = context.Process(target=_serve_one, args=(app, host, port, options))
        process.start()
        return process, time.monotonic()

    def ask_to_stop(signum: int, _frame: Any) -> None:
        received.append(signum)
        stop.set()

    previous = {s: signal.signal(s, ask_to_stop) for s in (signal.SIGTERM, signal.SIGINT)}
    running = [start() for _ in range(workers)]
    try:
        while not stop.wait(0.5):
            for index, (process, started) in enumerate(running):
                if process.is_alive():
                    continue
                if time.monotonic() - started < STEADY_SECONDS:
                    raise EnvironmentProblem(
                        f"a server process stopped right after starting (exit code "
                        f"{process.exitcode}); its output above says why"
                    )
                running[index] = start()  # it crashed while serving: replace it
    finally:
        deadline = time.monotonic() + STOP_SECONDS
        if received[:1] == [signal.SIGINT]:
            # Ctrl-C reached the processes too (one process group): a second signal would
            # cut their graceful shutdown short, so they get a moment to finish on their own.
            patience = time.monotonic() + INTERRUPT_SECONDS
            for process, _ in running:
                process.join(max(0.0, patience - time.monotonic()))
        for process, _ in running:
            if process.is_alive() and process.pid is not None:
                os.kill(process.pid, signal.SIGTERM)
        for process, _ in running:
            process.join(max(0.0, deadline - time.monotonic()))
            if process.is_alive():
                process.kill()
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def _serve_one(app: str, host: str, port: int, options: dict[str, Any]) -> None:
    """One server process on its own socket (the target of a spawned process)."""
    import uvicorn

    _stop_with_parent()

    config = uvicorn.Config(app, factory=True, host=host, port=port, **options)
    uvicorn.Server(config).run(sockets=[_listening_socket(host, port)])


def _stop_with_parent() -> None:
    """Ask Linux for SIGTERM when the parent dies, so a parent killed with SIGKILL leaves no
    process serving the port on its own (the next `batchops server` could not bind it)."""
    import ctypes

    set_parent_death_signal = 1  # PR_SET_PDEATHSIG, linux/prctl.h
    ctypes.CDLL(None, use_errno=True).prctl(set_parent_death_signal, signal.SIGTERM)
    if os.getppid() == 1:  # the parent died before the request took effect
        os.kill(os.getpid(), signal.SIGTERM)


def _listening_socket(host: str, port: int, shared: bool = True) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    bound = socket.socket(family, socket.SOCK_STREAM)
    bound.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if shared:
        bound.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    try:
        bound.bind((host, port))
    except OSError as error:
        bound.close()
        raise EnvironmentProblem(
            f"cannot listen on {host}:{port}: {error.strerror or error}"
        ) from None
    return bound
