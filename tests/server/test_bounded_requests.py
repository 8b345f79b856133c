"""What one request may send is bounded, and so is what a list answers with.

The probe: an approver POSTed a 50 MB parameter, it was accepted and stored, every list of
executions carried it, and the event log kept it after the execution was deleted. Now the
body is refused past BATCHOPS_MAX_REQUEST_BYTES (413), a value past its documented length is
one 422 / exit 2 naming the field (never repeating the value), and lists and the event log
abbreviate whatever long text was stored before the limits.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, text

from batchops.errors import InvalidInput
from batchops.pipeline import ParameterString, Pipeline
from batchops.settings import (
    DEFAULT_MAX_REQUEST_BYTES,
    MAX_DESCRIPTION_CHARS,
    MAX_PARAMETER_CHARS,
    MAX_REASON_CHARS,
    MAX_SHOWN_CHARS,
)
from batchops.store import executions
from batchops.store.db import session_scope
from batchops.store.schema.events import EventRow
from batchops.store.statuses import ExecutionStatus
from batchops.store.tokens import Role
from support.automation import store_pipeline
from support.cli import run_batchops

from .conftest import bearer, register_example_version

BIG = 5_000_000  # characters: far past every limit, yet quick to make


def _started() -> int:
    return executions.count_executions()


def test_a_body_past_the_limit_is_refused_with_413_whether_or_not_its_length_is_declared(
    client: TestClient, tokens: dict[Role, str]
) -> None:
    store_pipeline("greet")
    approver = bearer(tokens[Role.APPROVER])
    declared = client.post(
        "/api/pipelines/greet/executions",
        json={"parameters": {"Who": "x" * (2 * DEFAULT_MAX_REQUEST_BYTES)}},
        headers=approver,
    )
    assert declared.status_code == 413
    assert f"larger than {DEFAULT_MAX_REQUEST_BYTES} bytes" in declared.json()["detail"]

    def chunks() -> Iterator[bytes]:  # no Content-Length: counted as it arrives
        yield b'{"parameters": {"Who": "'
        for _ in range(3):
            yield b"y" * DEFAULT_MAX_REQUEST_BYTES
        yield b'"}}'

    streamed = client.post(
        "/api/pipelines/greet/executions",
        content=chunks(),
        headers={**approver, "Content-Type": "application/json"},
    )
    assert streamed.status_code == 413 and "BATCHOPS_MAX_REQUEST_BYTES" in streamed.text
    assert _started() == 0


def test_a_parameter_value_past_its_length_is_one_422_or_exit_2_that_does_not_repeat_it(
    client: TestClient, tokens: dict[Role, str]
) -> None:
    store_pipeline("greet")
    value = "v" * (MAX_PARAMETER_CHARS + 1)
    answer = client.post(
        "/api/pipelines/greet/executions",
        json={"parameters": {"Who": value}},
        headers=bearer(tokens[Role.APPROVER]),
    )
    assert answer.status_code == 422
    detail = answer.json()["detail"]
    assert "'Who'" in detail and f"at most {MAX_PARAMETER_CHARS}" in detail and value not in detail
    done = run_batchops("pipeline", "start", "greet", "-p", f"Who={value}")
    assert done.returncode == 2 and done.stderr.count("\n") == 1, done.stderr
    assert f"at most {MAX_PARAMETER_CHARS}" in done.stderr and value not in done.stderr
    fits = client.post(
        "/api/pipelines/greet/executions",
        json={"parameters": {"Who": "v" * MAX_PARAMETER_CHARS}},
        headers=bearer(tokens[Role.APPROVER]),
    )
    assert fits.status_code == 201
    from batchops.runtime.execution import get_execution

    get_execution(fits.json()["id"]).wait(timeout=60)
    assert _started() == 1


def test_names_descriptions_and_reasons_have_their_lengths(
    client: TestClient, tokens: dict[Role, str], tmp_path: Path
) -> None:
    with pytest.raises(InvalidInput, match="a parameter name is 300 characters"):
        ParameterString("P" * 300, "x")
    with pytest.raises(InvalidInput, match="a pipeline name is 300 characters"):
        Pipeline("p" * 300, [], [])
    with pytest.raises(InvalidInput, match=f"at most {MAX_DESCRIPTION_CHARS}"):
        Pipeline("described", [], [], description="d" * (MAX_DESCRIPTION_CHARS + 1))
    with pytest.raises(InvalidInput, match=f"at most {MAX_PARAMETER_CHARS}"):
        ParameterString("Who", "w" * (MAX_PARAMETER_CHARS + 1))
    register_example_version(tmp_path / "v")
    from batchops import registry

    with pytest.raises(InvalidInput, match="the version's description"):
        registry.update_description("churn", 1, "d" * (MAX_DESCRIPTION_CHARS + 1))
    reason = "r" * (MAX_REASON_CHARS + 1)
    refused = run_batchops("registry", "approve", "churn/1", "--reason", reason)
    assert refused.returncode == 2 and f"at most {MAX_REASON_CHARS}" in refused.stderr
    answer = client.post(
        "/api/registry/groups/churn/versions/1/approve",
        json={"reason": reason},
        headers=bearer(tokens[Role.APPROVER]),
    )
    assert answer.status_code == 422 and "reason" in answer.json()["detail"]
    assert registry.get_version("churn", 1).status == "PendingManualApproval"


def test_a_list_stays_small_whatever_was_stored_before_the_limits(
    database: str, client: TestClient, tokens: dict[Role, str]
) -> None:
    from batchops.runtime.pipelines import store_provided

    store_provided()
    made = [
        executions.create_execution(
            "batch-inference", 1, {"InputData": "z" * BIG}, {"Score": "Transform"}, "tester"
        )
        for _ in range(3)
    ]
    with session_scope() as session:  # as a release without the limits stored it
        session.execute(
            text("UPDATE executions SET failure_reason = :reason, status = 'Failed'"),
            {"reason": "q" * BIG},
        )
    answer = client.get("/api/executions?limit=5", headers=bearer(tokens[Role.VIEWER]))
    assert answer.status_code == 200
    assert len(answer.content) < 10 * MAX_SHOWN_CHARS * len(made)
    item = answer.json()["items"][0]
    assert item["parameters"]["InputData"].endswith(f"[cut: {BIG} characters]")
    assert len(item["failure_reason"]) == MAX_SHOWN_CHARS
    listed = run_batchops("execution", "list", "--json")
    assert listed.returncode == 0 and len(listed.stdout) < 10 * MAX_SHOWN_CHARS * len(made)
    assert {e["id"] for e in json.loads(listed.stdout)} == set(made)


def test_the_event_log_keeps_no_huge_text_after_the_execution_is_deleted(database: str) -> None:
    from batchops.runtime.cleanup import delete_execution
    from batchops.runtime.pipelines import store_provided

    store_provided()
    execution_id = executions.create_execution(
        "batch-inference", 1, {}, {"Score": "Transform"}, "tester"
    )
    executions.update_execution(
        execution_id,
        status=ExecutionStatus.FAILED,
        ended_at=executions.now(),
        failure_reason="cannot read " + "p" * BIG,
    )
    assert len(executions.execution_json(execution_id)["failure_reason"]) == MAX_SHOWN_CHARS
    delete_execution(execution_id)
    with session_scope() as session:
        details = [json.dumps(d) for d in session.scalars(select(EventRow.detail))]
    assert details and max(map(len, details)) < 2 * MAX_SHOWN_CHARS
    assert any(execution_id in d and "[cut:" in d for d in details)
