"""Every test gets its own BATCHOPS_HOME (SQLite file, artifacts, logs) and a fresh engine cache."""

from __future__ import annotations

import os
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from batchops.store.db import dispose_engines
from support.debian import Unavailable
from support.postgres import PostgresServer, start_server

FIXTURES = Path(__file__).resolve().parents[1].parent / "shared" / "fixtures"


@pytest.fixture(autouse=True)
def batchops_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    home = tmp_path / "home"
    monkeypatch.setenv("BATCHOPS_HOME", str(home))
    monkeypatch.delenv("BATCHOPS_DB_URL", raising=False)
    monkeypatch.delenv("BATCHOPS_ARTIFACTS", raising=False)
    monkeypatch.delenv("BATCHOPS_DASK_ADDRESS", raising=False)
    monkeypatch.setenv("BATCHOPS_USER", "tester")
    # Framework environments are built once per venv (`make test` builds them), not per home.
    environments = os.environ.get("BATCHOPS_ENVIRONMENTS") or str(Path(sys.prefix) / "frameworks")
    monkeypatch.setenv("BATCHOPS_ENVIRONMENTS", environments)
    dispose_engines()
    yield home
    dispose_engines()


@pytest.fixture
def fixtures_dir() -> Path:
    if not FIXTURES.exists():
        pytest.skip(f"shared fixtures not found at {FIXTURES}")
    return FIXTURES


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """One real PostgreSQL server per test worker, installed first when missing."""
    try:
        server = start_server()
    except Unavailable as reason:
        pytest.skip(f"PostgreSQL server unavailable: {reason}")
    yield server
    server.stop()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Run the test once on the default SQLite file and once on a fresh PostgreSQL database."""
    if request.param == "sqlite":
        from batchops.settings import get_settings

        return get_settings().db_url
    server: PostgresServer = request.getfixturevalue("postgres_server")
    url = server.create_database(f"batchops_{uuid.uuid4().hex[:12]}")
    monkeypatch.setenv("BATCHOPS_DB_URL", url)
    dispose_engines()
    return url


@pytest.fixture(scope="session")
def chromium_path() -> str:
    """Debian's Chromium, installed first when missing (as root with apt-get)."""
    from support import chromium

    try:
        return chromium.find_or_install()
    except Unavailable as reason:
        pytest.skip(f"Chromium unavailable: {reason}")
