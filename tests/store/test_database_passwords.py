"""Every form of a PostgreSQL password in a URL is masked, and a malformed URL query is one line.

The probe: a password given as the URL's query (`?password=`, a libpq form) was printed as it
is by `batchops server` at start and in every database error; `?port=abc` was a traceback.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys

import pytest

from support.cli import run_batchops
from support.postgres import PostgresServer

SECRET = "hunter2-secret"
SERVER = [sys.executable, "-m", "batchops.cli.main", "server"]


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.parametrize(
    "url",
    [
        f"postgresql+psycopg://ann:{SECRET}@127.0.0.1:{{port}}/ops",
        f"postgresql+psycopg://ann@127.0.0.1:{{port}}/ops?password={SECRET}",
        f"postgresql+psycopg://ann:{SECRET}@127.0.0.1:{{port}}/ops?sslmode=disable&PassWord={SECRET}",
    ],
    ids=["userinfo", "query", "both"],
)
def test_a_database_error_names_the_server_and_never_the_password(
    url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("psycopg")
    monkeypatch.setenv("BATCHOPS_DB_URL", url.format(port=_closed_port()))
    done = run_batchops("execution", "list")
    assert done.returncode == 2 and done.stderr.count("\n") == 1, done.stderr
    assert "cannot open the database server at 127.0.0.1" in done.stderr
    assert SECRET not in done.stderr + done.stdout and "***" in done.stderr


@pytest.mark.parametrize("query", ["port=abc", "connect_timeout=soon", "no_such_option=1"])
def test_a_malformed_query_is_one_line_and_exit_2(
    query: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("psycopg")
    url = f"postgresql+psycopg://ann:{SECRET}@127.0.0.1:{_closed_port()}/ops?{query}"
    monkeypatch.setenv("BATCHOPS_DB_URL", f"{url}&password={SECRET}")
    done = run_batchops("registry", "groups")
    assert done.returncode == 2 and done.stderr.count("\n") == 1, done.stderr
    assert "Traceback" not in done.stderr and SECRET not in done.stderr
    assert query.split("=")[0] in done.stderr


@pytest.mark.postgres
def test_the_server_start_line_masks_a_password_given_in_the_query(
    postgres_server: PostgresServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = postgres_server.create_database("batchops_masked")
    monkeypatch.setenv("BATCHOPS_DB_URL", f"{url}?password={SECRET}&application_name=probe")
    server = subprocess.Popen(
        [*SERVER, "--port", str(_closed_port()), "--workers", "1", "--no-scheduler"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=os.environ.copy(),
    )
    lines = []
    try:
        assert server.stdout is not None
        for line in server.stdout:
            lines.append(line)
            if "Application startup complete" in line or len(lines) > 40:
                break
    finally:
        server.send_signal(signal.SIGTERM)
        lines += server.communicate(timeout=30)[0].splitlines()
    printed = "".join(lines)
    assert "database: postgresql+psycopg://postgres@127.0.0.1" in printed, printed
    assert "password=***" in printed and "application_name=probe" in printed
    assert SECRET not in printed
