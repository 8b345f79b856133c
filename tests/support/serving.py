"""A real `batchops server` in a subprocess, on a free port, for the tests that use it as a
person or a program would (the browser tests, the docs)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx

WAIT_SECONDS = 150


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def served(*extra: str) -> Iterator[str]:
    """The server's base URL once /healthz answers; stopped (SIGTERM) on the way out."""
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "batchops.cli.main", "server", "--port", str(port), *extra],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=os.environ.copy(),
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + WAIT_SECONDS
        while server.poll() is None:
            try:
                if httpx.get(f"{base}/healthz").status_code == 200:
                    break
            except httpx.HTTPError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        else:
            raise RuntimeError(f"the server did not come up: {server.communicate()[0]}")
        yield base
    finally:
        server.terminate()
        server.wait(30)
