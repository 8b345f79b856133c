"""Helpers for the monitor tests: small datasets written with pyarrow."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.csv as pacsv
import pytest


def write_csv(path: Path, columns: dict[str, Any], header: bool = True) -> Path:
    """Write columns (lists or numpy arrays) as CSV; None becomes an empty field."""
    table = pa.table(columns)
    pacsv.write_csv(
        table,
        path,
        write_options=pacsv.WriteOptions(include_header=header, quoting_style="needed"),
    )
    return path


@pytest.fixture
def model_monitor(fixtures_dir: Path) -> Path:
    return fixtures_dir / "model-monitor"
