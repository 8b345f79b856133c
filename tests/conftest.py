"""Every test gets its own BATCHOPS_HOME (SQLite file, artifacts, logs) and a fresh engine cache."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from batchops.store.db import dispose_engines

FIXTURES = Path(__file__).resolve().parents[1].parent / "shared" / "fixtures"


@pytest.fixture(autouse=True)
def batchops_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    home = tmp_path / "home"
    monkeypatch.setenv("BATCHOPS_HOME", str(home))
    monkeypatch.delenv("BATCHOPS_DB_URL", raising=False)
    monkeypatch.delenv("BATCHOPS_ARTIFACTS", raising=False)
    monkeypatch.delenv("BATCHOPS_DASK_ADDRESS", raising=False)
    monkeypatch.setenv("BATCHOPS_USER", "tester")
    dispose_engines()
    yield home
    dispose_engines()


@pytest.fixture
def fixtures_dir() -> Path:
    if not FIXTURES.exists():
        pytest.skip(f"shared fixtures not found at {FIXTURES}")
    return FIXTURES
