"""The API through httpx against the real app, on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from batchops.store import executions
from batchops.store.tokens import Role
from support.models import tiny_model_archive

from .conftest import bearer, register_example_version


def test_lists_are_pages_with_a_total_and_a_next_link(
    database: str, client: TestClient, tokens: dict[Role, str]
) -> None:
    from batchops.runtime.pipelines import store_provided

    store_provided()
    made = [
        executions.create_execution("batch-inference", 1, {}, {"Score": "Transform"}, "tester")
        for _ in range(5)
    ]
    auth = bearer(tokens[Role.VIEWER])
    first = client.get("/api/executions?limit=2", headers=auth).json()
    assert first["total"] == 5 and len(first["items"]) == 2
    second = client.get(first["next"], headers=auth).json()
    third = client.get(second["next"], headers=auth).json()
    assert third["next"] is None
    seen = [e["id"] for page in (first, second, third) for e in page["items"]]
    assert sorted(seen) == sorted(made)
    one = client.get(f"/api/executions/{made[0]}", headers=auth).json()
    assert one == executions.execution_json(made[0])  # the CLI's --json object, field for field


def test_errors_are_json_naming_what_is_wrong(client: TestClient, tokens: dict[Role, str]) -> None:
    auth = bearer(tokens[Role.VIEWER])
    missing = client.get("/api/executions/abc123", headers=auth)
    assert missing.status_code == 404 and "abc123" in missing.json()["detail"]
    bad = client.get("/api/executions?limit=-1", headers=auth)
    assert bad.status_code == 422 and "limit" in bad.json()["detail"]
    status = client.get("/api/executions?status=Sleeping", headers=auth)
    assert status.status_code == 422 and "Sleeping" in status.json()["detail"]
    none = client.get("/api/executions")
    assert none.status_code == 401 and "token" in none.json()["detail"]


def test_approval_records_the_tokens_user_and_is_idempotent(
    database: str, client: TestClient, tokens: dict[Role, str], tmp_path: Path
) -> None:
    version = register_example_version(tmp_path / "v")
    url = f"/api/registry/groups/churn/versions/{version.version}"
    viewer = client.post(
        f"{url}/approve", json={"reason": "x"}, headers=bearer(tokens[Role.VIEWER])
    )
    assert viewer.status_code == 403
    approver = bearer(tokens[Role.APPROVER])
    once = client.post(f"{url}/approve", json={"reason": "beats v0"}, headers=approver)
    twice = client.post(f"{url}/approve", json={"reason": "again"}, headers=approver)
    assert once.status_code == twice.status_code == 200
    history = twice.json()["approval_history"]
    assert [h["to"] for h in history] == ["PendingManualApproval", "Approved"]
    assert history[-1]["user"] == "user-approver" and history[-1]["reason"] == "beats v0"
    from batchops import registry

    assert client.get(url, headers=approver).json() == registry.get_version("churn", 1).to_json()


def test_the_page_signs_in_into_a_session_and_its_forms_need_the_csrf_token(
    client: TestClient, tokens: dict[Role, str], tmp_path: Path
) -> None:
    register_example_version(tmp_path / "v")
    assert client.get("/", follow_redirects=False).status_code == 303
    refused = client.post("/login", data={"token": "bo_wrong"})
    assert refused.status_code == 401
    signed = client.post("/login", data={"token": tokens[Role.APPROVER]}, follow_redirects=False)
    cookie = signed.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie.replace("Strict", "strict")
    assert tokens[Role.APPROVER] not in cookie
    page = client.get("/registry/churn/1")
    assert page.status_code == 200 and tokens[Role.APPROVER] not in page.text
    forged = client.post("/registry/churn/1/approve", data={"reason": "no csrf"})
    assert forged.status_code == 403
    csrf = page.text.split('name="csrf_token" value="')[1].split('"')[0]
    done = client.post("/registry/churn/1/approve", data={"reason": "ok", "csrf_token": csrf})
    assert done.status_code == 200 and "Approved" in done.text


def test_no_auth_acts_as_the_os_user(tmp_path: Path) -> None:
    from batchops.server import create_app

    register_example_version(tmp_path / "v")
    with TestClient(create_app(auth=False)) as open_client:
        done = open_client.post("/api/registry/groups/churn/versions/1/approve", json={})
    assert done.json()["approval_history"][-1]["user"] == "tester"  # BATCHOPS_USER in tests


def test_prometheus_metrics_name_executions_and_drift(
    client: TestClient, tokens: dict[Role, str]
) -> None:
    from batchops.runtime.pipelines import store_provided
    from batchops.store.metrics import record_metrics

    store_provided()
    executions.create_execution("batch-inference", 1, {}, {"Score": "Transform"}, "tester")
    record_metrics("run", {"feature_baseline_drift_usage": 0.42})
    text = client.get("/metrics", headers=bearer(tokens[Role.VIEWER])).text
    assert 'batchops_executions{pipeline="batch-inference",status="Executing"} 1.0' in text
    assert 'batchops_feature_drift_distance{feature="usage"} 0.42' in text


def test_the_version_list_pages_newest_first_with_the_status_filter(
    database: str, client: TestClient, tokens: dict[Role, str], tmp_path: Path
) -> None:
    from batchops import registry

    model = tmp_path / "model.tar.gz"
    model.write_bytes(tiny_model_archive())
    for number in range(1, 6):
        registry.register_version("churn", model_data_uri=str(model), metrics={}, user="t")
        if number % 2:
            registry.approve("churn", number, reason="good", user="t")
    auth = bearer(tokens[Role.VIEWER])
    url = "/api/registry/groups/churn/versions"
    first = client.get(f"{url}?limit=2", headers=auth).json()
    assert first["total"] == 5 and [v["version"] for v in first["items"]] == [5, 4]
    second = client.get(first["next"], headers=auth).json()
    assert [v["version"] for v in second["items"]] == [3, 2]
    approved = client.get(f"{url}?status=Approved&limit=2&offset=1", headers=auth).json()
    assert approved["total"] == 3 and [v["version"] for v in approved["items"]] == [3, 1]
    assert approved["items"][0]["approval_history"][-1]["reason"] == "good"
    assert approved["next"] is None
