"""`batchops server` hosts the scheduler: a rule fires on an event while the server runs, and
SIGTERM stops both cleanly; `--no-scheduler` leaves the rule alone."""

from __future__ import annotations

import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from batchops.events import rules

from .conftest import register_example_version

WAIT_SECONDS = 150
_SERVER = (sys.executable, "-m", "batchops.cli.main", "server")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _serve(*extra: str) -> tuple[subprocess.Popen[str], str]:
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "batchops.cli.main", "server", "--port", str(port), *extra],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=os.environ.copy(),
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline and server.poll() is None:
        try:
            if httpx.get(f"{base}/healthz").status_code == 200:
                return server, base
        except httpx.HTTPError:
            time.sleep(0.2)
    server.kill()
    pytest.fail(f"the server did not come up: {server.communicate()[0]}")


def _stop(server: subprocess.Popen[str]) -> str:
    server.send_signal(signal.SIGTERM)
    output = server.communicate(timeout=30)[0]
    # uvicorn shuts down gracefully, then re-raises the signal it caught
    assert server.returncode in (0, -signal.SIGTERM), output
    assert "Application shutdown complete" in output
    return output


@pytest.mark.parametrize("hosted", [True, False], ids=["hosted", "no-scheduler"])
def test_a_rule_fires_while_the_server_runs(tmp_path: Path, hosted: bool) -> None:
    rules.create_rule("seen", "ModelVersionRegistered", log=True)
    server, _ = _serve(*([] if hosted else ["--no-scheduler"]))
    try:
        register_example_version(tmp_path / "v")
        deadline = time.monotonic() + (WAIT_SECONDS if hosted else 3)
        while time.monotonic() < deadline and not rules.rule_history("seen"):
            time.sleep(0.3)
    finally:
        output = _stop(server)
    fired = rules.rule_history("seen")
    if hosted:
        assert fired and fired[0]["outcome"], output
        assert "scheduler: hosted" in output
    else:
        assert fired == [] and "scheduler: not hosted" in output


@pytest.mark.parametrize("logged", [False, True], ids=["quiet", "access-log"])
def test_requests_are_logged_only_when_asked(logged: bool) -> None:
    """One line per request costs a tenth of a small request's CPU, so it is opt-in; many
    clients at once are all answered with one handler at a time per process (the default
    on SQLite) or with the number given."""
    import concurrent.futures

    extra = ["--no-scheduler", "--access-log", "--threads", "3"] if logged else ["--no-scheduler"]
    server, base = _serve(*extra)
    try:
        with concurrent.futures.ThreadPoolExecutor(8) as pool:
            answers = list(pool.map(lambda _: httpx.get(f"{base}/healthz"), range(40)))
    finally:
        output = _stop(server)
    assert all(answer.status_code == 200 for answer in answers)
    assert ("GET /healthz HTTP/1.1" in output) == logged, output
    assert ("3 requests at a time each" if logged else "1 request at a time each") in output


def test_connections_spread_over_the_server_processes() -> None:
    """Each process listens on its own socket, so twenty keep-alive clients do not all land
    on one process while the other idles (with one shared socket they split 20/0 or 6/14)."""
    import http.client

    import psutil

    server, base = _serve("--no-scheduler")
    port = int(base.rsplit(":", 1)[1])
    try:
        processes = psutil.Process(server.pid).children(recursive=True)
        deadline = time.monotonic() + WAIT_SECONDS
        while time.monotonic() < deadline and not all(_listens(p, port) for p in processes):
            time.sleep(0.2)  # the second process may come up after the first answered
        clients = [http.client.HTTPConnection("127.0.0.1", port) for _ in range(20)]
        for client in clients:
            client.request("GET", "/healthz")
            assert client.getresponse().read()
        held = sorted(_connections_on(p, port) for p in processes if _listens(p, port))
        for client in clients:
            client.close()
    finally:
        _stop(server)
    assert len(held) == 2 and sum(held) == 20
    assert min(held) >= 2, held  # by chance alone: once in 25,000 runs


@pytest.mark.parametrize("workers", ["1", "2"])
def test_a_port_already_taken_is_one_line_and_exit_2(workers: str) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = subprocess.run(
            [*_SERVER, "--port", str(port), "--workers", workers],
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert done.returncode == 2, done.stderr
    assert done.stdout == ""  # nothing but the error: no "serving on", no settings
    assert done.stderr == f"error: cannot listen on 127.0.0.1:{port}: Address already in use\n"


def test_serving_on_is_printed_once_the_server_answers() -> None:
    port = _free_port()
    server = subprocess.Popen(
        [*_SERVER, "--port", str(port), "--workers", "2", "--no-scheduler", "--no-auth"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=os.environ.copy(),
    )
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in server.stdout or ()]).start()
    try:
        seen: list[str] = []
        while not any(line.startswith("serving on") for line in seen):
            seen.append(lines.get(timeout=120))
        assert seen[-1] == f"serving on http://127.0.0.1:{port}/ (API docs at /docs)\n"
        assert httpx.get(f"http://127.0.0.1:{port}/healthz").status_code == 200
        assert "workers: 2 processes, 1 request at a time each\n" in seen
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=60)
    rest = []
    while not lines.empty():
        rest.append(lines.get())
    assert not any("serving on" in line for line in rest)  # said once


def _listens(process: Any, port: int) -> bool:
    return any(
        c.status == "LISTEN" and c.laddr.port == port for c in process.net_connections("tcp")
    )


def _connections_on(process: Any, port: int) -> int:
    return sum(
        c.status == "ESTABLISHED" and c.laddr.port == port for c in process.net_connections("tcp")
    )


def test_killing_the_server_with_sigkill_leaves_no_process_on_the_port() -> None:
    import psutil

    server, base = _serve("--no-scheduler")
    port = int(base.rsplit(":", 1)[1])
    processes = psutil.Process(server.pid).children(recursive=True)
    assert processes
    server.kill()  # SIGKILL: the parent cannot forward anything
    server.communicate(timeout=30)
    _, alive = psutil.wait_procs(processes, timeout=WAIT_SECONDS)
    assert not alive, [p.pid for p in alive]
    with socket.socket() as again:  # the next server can have the port
        again.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as a server binds
        again.bind(("127.0.0.1", port))
        again.listen()


def test_starting_the_server_stores_no_new_version_of_an_unchanged_pipeline(
    tmp_path: Path,
) -> None:
    """The demo stores the example's definitions; each server process stores its providers'
    pipelines again on its first request, which must find them unchanged."""
    from batchops.examples.churn.pipelines import (
        batch_inference_pipeline,
        train_and_baseline_pipeline,
    )
    from batchops.runtime.catalog import definition_versions
    from batchops.store.tokens import create_token

    assert train_and_baseline_pipeline().upsert() == 1
    assert batch_inference_pipeline().upsert() == 1
    token, _ = create_token("viewer", "viewer")
    for _ in range(2):  # two starts, each with two processes
        server, base = _serve("--no-scheduler")
        try:
            for _ in range(4):  # reach both processes
                listed = httpx.get(
                    f"{base}/api/pipelines", headers={"Authorization": f"Bearer {token}"}
                )
                assert listed.status_code == 200, listed.text
                versions = {p["name"]: p["latest_version"] for p in listed.json()["items"]}
                assert versions["batch-inference"] == versions["train-and-baseline"] == 1
                assert set(versions.values()) == {1}  # every provider's pipeline stored once
        finally:
            _stop(server)
    for name in ("batch-inference", "train-and-baseline"):
        assert [v["version"] for v in definition_versions(name)] == [1]
