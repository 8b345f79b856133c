"""A small seeded home and clients of the real app (httpx through Starlette's TestClient)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("fastapi")

from fastapi.testclient import TestClient

from batchops.server import create_app
from batchops.store.tokens import Role, create_token
from support.models import tiny_model_archive


def register_example_version(folder: Path, header: str = "usage") -> Any:
    """A model version whose baseline was profiled from a CSV with `header` as a column."""
    from batchops import registry
    from batchops.monitor import baseline

    folder.mkdir(parents=True, exist_ok=True)
    data = folder / "train.csv"
    data.write_text(f"{header},plan\n" + "".join(f"{i % 7}.5,a{i % 3}\n" for i in range(60)))
    result = baseline(data, folder / "baseline")
    model = folder / "model.tar.gz"
    model.write_bytes(tiny_model_archive())
    return registry.register_version(
        "churn",
        model_data_uri=str(model),
        metrics={"accuracy": {"value": 0.9}},
        statistics_uri=result.statistics_uri,
        constraints_uri=result.constraints_uri,
    )


def drifted_check(data: Path, out: Path) -> tuple[Any, Any]:
    """A baseline of a two-column CSV and a check of a batch whose `usage` drifted far: the
    baseline's result and the check's, with violations (files under `out`)."""
    from batchops.monitor import baseline, check

    data.mkdir(parents=True, exist_ok=True)
    train = data / "train.csv"
    train.write_text("usage,calls\n" + "".join(f"{i % 7}.5,{i % 4}\n" for i in range(200)))
    drifted = data / "drifted.csv"
    drifted.write_text("usage,calls\n" + "".join(f"{40 + i % 7}.5,{i % 4}\n" for i in range(200)))
    profiled = baseline(train, out / "baseline")
    found = check(
        drifted,
        statistics=profiled.statistics_uri,
        constraints=profiled.constraints_uri,
        out_dir=out / "check",
    )
    return profiled, found


@pytest.fixture
def tokens() -> dict[Role, str]:
    return {role: create_token(f"user-{role.label}", role)[0] for role in Role}


@pytest.fixture
def client() -> Iterator[TestClient]:
    with TestClient(create_app()) as test_client:
        yield test_client


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
