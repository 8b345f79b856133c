"""A project sent to the API is checked as a project file is: an object lacking or adding
arguments is a problem at its line, never a server error."""

from __future__ import annotations

from fastapi.testclient import TestClient

from batchops.store.tokens import Role

from .conftest import bearer


def test_an_object_with_missing_or_unknown_arguments_is_a_problem_not_a_500(
    client: TestClient, tokens: dict[Role, str]
) -> None:
    body = {
        "project": "p",
        "objects": [
            {"kind": "rule", "name": "no-event", "arguments": {}, "line": 4},
            {"kind": "schedule", "name": "odd", "arguments": {"colour": "red"}, "line": 9},
        ],
    }
    answer = client.post("/api/project/plan", json=body, headers=bearer(tokens[Role.ADMIN]))
    assert answer.status_code == 200, answer.text
    problems = answer.json()["problems"]
    assert [p["line"] for p in problems] == [4, 9]
    assert "rule no-event" in problems[0]["message"] and "'on'" in problems[0]["message"]
    assert "schedule odd" in problems[1]["message"]
