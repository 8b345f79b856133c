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
from support.s3 import S3Server

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
def s3_server() -> Iterator[S3Server]:
    """One real S3 API (moto's standalone server, its own process) per test worker."""
    from support import s3

    try:
        server = s3.start_server()
    except Unavailable as reason:
        pytest.skip(f"S3 server unavailable: {reason}")
    yield server
    server.stop()


@pytest.fixture
def s3_bucket(s3_server: S3Server, monkeypatch: pytest.MonkeyPatch) -> str:
    """A fresh bucket on the S3 server, with this process (and its children) pointed at the
    server through the standard AWS variables; returns the bucket's name."""
    pytest.importorskip("s3fs", reason="the s3 extra (s3fs) is not installed")
    for name, value in s3_server.environment().items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    monkeypatch.delenv("AWS_SESSION_TOKEN", raising=False)
    return s3_server.create_bucket()


@pytest.fixture
def s3_artifacts(s3_bucket: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """BATCHOPS_ARTIFACTS in the test's bucket: every artifact of the test lands there."""
    root = f"s3://{s3_bucket}/artifacts"
    monkeypatch.setenv("BATCHOPS_ARTIFACTS", root)
    return root


@pytest.fixture(scope="session")
def chromium_path() -> str:
    """Debian's Chromium, installed first when missing (as root with apt-get)."""
    from support import chromium

    try:
        return chromium.find_or_install()
    except Unavailable as reason:
        pytest.skip(f"Chromium unavailable: {reason}")
