"""A project written by `batchops init`, and a running server for `--server`."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from support.cli import run_batchops

REPOSITORY = Path(__file__).resolve().parents[2]
WAIT_SECONDS = 60.0


def init_project(folder: Path, template: str = "batch") -> Path:
    done = run_batchops(
        "init", str(folder), "--template", template, "--batchops-from", str(REPOSITORY)
    )
    assert done.returncode == 0, done.stderr
    return folder


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return init_project(tmp_path / "churn-batch")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, dict[str, str]]]:
    """A server on its own home (not the test's), with an admin token: its URL, and the
    client's environment holding the token in BATCHOPS_TOKEN."""
    home = tmp_path / "server-home"
    env = {**os.environ, "BATCHOPS_HOME": str(home)}
    made = run_batchops("token", "create", "--user", "ci", "--role", "admin", "--json", env=env)
    assert made.returncode == 0, made.stderr
    token = json.loads(made.stdout)["token"]
    port = _free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "batchops.cli.main",
            "server",
            "--port",
            str(port),
            "--no-scheduler",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + WAIT_SECONDS
    try:
        while True:
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"the server did not come up: {process.communicate()[0]}")
            try:
                if httpx.get(f"{base}/healthz").status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        yield base, {"BATCHOPS_TOKEN": token, "BATCHOPS_SERVER_HOME": str(home)}
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.communicate()
