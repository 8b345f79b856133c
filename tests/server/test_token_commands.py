"""`batchops token create|list|revoke` as a user runs them; a revoked token stops working
against the real app, and its page session ends with it."""

from __future__ import annotations

import json

from fastapi.testclient import TestClient

from support.cli import run_batchops

from .conftest import bearer


def test_list_shows_tokens_without_their_secrets_and_revoke_ends_them(
    client: TestClient,
) -> None:
    made = run_batchops("token", "create", "--user", "alice", "--role", "approver", "--json")
    assert made.returncode == 0, made.stderr
    token = json.loads(made.stdout)["token"]
    assert client.get("/api/executions", headers=bearer(token)).status_code == 200
    client.post("/login", data={"token": token}, follow_redirects=False)
    assert client.get("/", follow_redirects=False).status_code == 200

    listed = run_batchops("token", "list", "--json")
    assert listed.returncode == 0 and token not in listed.stdout
    (alice,) = json.loads(listed.stdout)
    assert (alice["user"], alice["role"], alice["state"]) == ("alice", "approver", "active")
    text = run_batchops("token", "list").stdout
    assert "alice" in text and token not in text

    revoked = run_batchops("token", "revoke", str(alice["id"]))
    assert revoked.returncode == 0 and f"revoked token {alice['id']}" in revoked.stdout
    refused = client.get("/api/executions", headers=bearer(token))
    assert refused.status_code == 401 and "token" in refused.json()["detail"]
    assert client.get("/", follow_redirects=False).status_code in (303, 401)
    assert json.loads(run_batchops("token", "list", "--json").stdout)[0]["state"] == "revoked"
    again = run_batchops("token", "revoke", str(alice["id"]))
    assert again.returncode == 0 and "already revoked" in again.stdout
    unknown = run_batchops("token", "revoke", "999")
    assert unknown.returncode == 2 and "999" in unknown.stderr
