"""A run whose runner died shows as Failed to the first reader, through the server too, where
GET requests read without taking SQLite's write lock: the marking is a write of its own."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from batchops.runtime.pipelines import store_provided
from batchops.store import executions
from batchops.store.schema import utcnow
from batchops.store.statuses import ExecutionStatus
from batchops.store.tokens import Role

from .conftest import bearer


def test_reading_a_dead_runs_execution_marks_it_failed(
    client: TestClient, tokens: dict[Role, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BATCHOPS_HEARTBEAT_TIMEOUT", "5")
    store_provided()
    dead = executions.create_execution(
        "train-and-baseline", 1, {}, {"PrepareData": "Processing"}, "tester"
    )
    executions.update_execution(dead, heartbeat_at=utcnow() - timedelta(minutes=5))
    viewer = bearer(tokens[Role.VIEWER])

    described = client.get(f"/api/executions/{dead}", headers=viewer)
    assert described.status_code == 200, described.text
    assert described.json()["status"] == ExecutionStatus.FAILED  # this very read saw it
    assert "the runner stopped responding" in described.json()["failure_reason"]
    listed = client.get("/api/executions", headers=viewer).json()["items"]
    assert [(e["id"], e["status"]) for e in listed] == [(dead, "Failed")]
