"""Readers never wait for a writer; a write waits a bounded time, then says so; the probes
answer whatever the database does.

The probe: on SQLite a write waiting for the lock stalled its server process (`/healthz` took
28.6 s) and CLI reads queued behind a writer (`execution list` waited 69.5 s). Each test holds
a real lock from another connection, as a long writer in another process would.
"""

from __future__ import annotations

import concurrent.futures
import os
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import make_url

from batchops.server import create_app
from batchops.store.db import dispose_engines
from batchops.store.tokens import Role, create_token
from support.cli import run_batchops

from .conftest import bearer, register_example_version
from .test_hosted_scheduler import _free_port, _stop

SERVER = [sys.executable, "-m", "batchops.cli.main", "server"]
READS = [("execution", "list"), ("registry", "describe", "churn/1"), ("pipeline", "list")]


@contextmanager
def write_lock(url: str, *, readers_too: bool = False) -> Iterator[None]:
    """Another connection holds the write lock (the versions' table on PostgreSQL) until the
    block ends; `readers_too` takes a lock no reader gets past either."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        holder = sqlite3.connect(str(parsed.database), isolation_level=None, timeout=30)
        if readers_too:  # only once this process's pooled connections are closed
            dispose_engines()
            holder.execute("PRAGMA locking_mode=EXCLUSIVE")
        holder.execute("BEGIN EXCLUSIVE" if readers_too else "BEGIN IMMEDIATE")
        holder.execute("UPDATE model_versions SET description = description")
        try:
            yield
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        return
    import psycopg

    with psycopg.connect(
        host=parsed.host, port=parsed.port, user=parsed.username, dbname=parsed.database
    ) as holder:
        mode = "ACCESS EXCLUSIVE" if readers_too else "EXCLUSIVE"
        holder.execute(f"LOCK TABLE model_versions, alembic_version IN {mode} MODE")
        try:
            yield
        finally:
            holder.rollback()


@pytest.fixture
def seeded(database: str, tmp_path: Path) -> str:
    register_example_version(tmp_path / "v")
    run_batchops("pipeline", "list")  # the examples stored, as any first command does
    return database


def test_read_commands_never_wait_for_a_writer_and_a_waiting_write_is_one_line(
    seeded: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BATCHOPS_LOCK_TIMEOUT", "1")  # a read that waited would fail: exit 2
    with write_lock(seeded):
        for command in READS:
            done = run_batchops(*command)
            assert done.returncode == 0, (command, done.stderr)
        approve = run_batchops("registry", "approve", "churn/1", "--reason", "ok")
    assert approve.returncode == 2 and approve.stderr.count("\n") == 1, approve.stderr
    assert "stayed locked by another writer for 1 s; nothing was changed" in approve.stderr
    assert run_batchops("registry", "approve", "churn/1").returncode == 0  # once it is free


def test_a_write_past_the_bound_answers_503_with_retry_after_while_reads_and_probes_answer(
    seeded: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BATCHOPS_LOCK_TIMEOUT", "1")
    dispose_engines()
    tokens = {role: create_token(f"u-{role.label}", role)[0] for role in Role}
    with TestClient(create_app()) as client, write_lock(seeded):
        approver = bearer(tokens[Role.APPROVER])
        refused = client.post(
            "/api/registry/groups/churn/versions/1/approve", json={"reason": "x"}, headers=approver
        )
        assert refused.status_code == 503 and refused.headers["Retry-After"] == "2"
        assert "stayed locked" in refused.json()["detail"]
        listed = client.get("/api/registry/groups/churn/versions", headers=approver)
        assert listed.status_code == 200 and listed.json()["total"] == 1
        assert client.get("/healthz").status_code == 200
        assert client.get("/readyz").json()["status"] == "ready"
    with TestClient(create_app()) as client:
        done = client.post(
            "/api/registry/groups/churn/versions/1/approve", json={"reason": "x"}, headers=approver
        )
    assert done.status_code == 200 and done.json()["status"] == "Approved"


def test_readyz_says_not_ready_when_the_database_does_not_answer_in_time(seeded: str) -> None:
    with TestClient(create_app()) as client:
        assert client.get("/readyz").status_code == 200
        with write_lock(seeded, readers_too=True):
            answer = client.get("/readyz")
            assert client.get("/healthz").status_code == 200  # liveness never asks the database
    assert answer.status_code == 503 and answer.json()["status"] == "unavailable"
    reason = answer.json()["detail"]
    assert "did not answer within 2 s" in reason or "lock" in reason


def test_a_waiting_write_does_not_hold_the_server_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One process, one request handler (the SQLite default): while an approval waits for a
    writer elsewhere, the process still answers its probes and reads."""
    register_example_version(tmp_path / "v")
    token = create_token("ann", Role.APPROVER)[0]
    monkeypatch.setenv("BATCHOPS_SERVER_LOCK_TIMEOUT", "60")  # it waits until we let go
    port = _free_port()
    server = subprocess.Popen(
        [*SERVER, "--port", str(port), "--workers", "1", "--threads", "1", "--no-scheduler"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=os.environ.copy(),
    )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(base, server)
        from batchops.settings import get_settings

        with (
            concurrent.futures.ThreadPoolExecutor(1) as pool,
            write_lock(get_settings().db_url),
        ):
            approval = pool.submit(
                httpx.post,
                f"{base}/api/registry/groups/churn/versions/1/approve",
                json={"reason": "waits"},
                headers=bearer(token),
                timeout=120,
            )
            assert httpx.get(f"{base}/healthz", timeout=30).status_code == 200
            assert httpx.get(f"{base}/readyz", timeout=30).json()["status"] == "ready"
            assert not approval.done()  # still waiting for the lock we hold
        assert approval.result().status_code == 200
    finally:
        _stop(server)


def _wait_until_up(base: str, server: subprocess.Popen[str]) -> None:
    for _ in range(600):
        if server.poll() is not None:
            pytest.fail(f"the server ended: {server.communicate()[0]}")
        try:
            if httpx.get(f"{base}/healthz", timeout=5).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    pytest.fail("the server did not come up")
