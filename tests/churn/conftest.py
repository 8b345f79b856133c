"""Shared fixtures for the churn example's tests: generated files, a prepared job folder."""

from __future__ import annotations

from pathlib import Path

import pytest
from churn_helpers import run_script

from batchops.examples.churn import write_churn_csv


@pytest.fixture(scope="session")
def churn_5000(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The default-size synthetic file, written once per session."""
    return write_churn_csv(tmp_path_factory.mktemp("data") / "churn.csv", 5000, seed=0)


@pytest.fixture(scope="session")
def prepared_5000(tmp_path_factory: pytest.TempPathFactory, churn_5000: Path) -> Path:
    """prepare.py run once on the 5,000-row file; returns its processing dir."""
    base = tmp_path_factory.mktemp("prepared")
    (base / "input").mkdir()
    (base / "input" / "churn.csv").symlink_to(churn_5000)
    result = run_script("prepare.py", base)
    assert result.code == 0, result.stderr
    return base
