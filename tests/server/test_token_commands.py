"""`batchops token create|list|revoke` as a user runs them; a revoked token stops working
against the real app, and its page session ends with it."""

from __future__ import annotations

import json
from pathlib import Path

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


def test_sign_in_takes_the_token_file_s_content_or_says_what_to_paste(
    client: TestClient, tmp_path: Path
) -> None:
    made = run_batchops("token", "create", "--user", "bob", "--role", "viewer", "--json")
    assert made.returncode == 0, made.stderr
    token_file = tmp_path / "bob-token.json"
    token_file.write_text(made.stdout)

    signed_in = client.post("/login", data={"token": token_file.read_text()})
    assert signed_in.status_code == 200 and "Sign in" not in signed_in.text
    client.cookies.clear()
    # A password field drops line breaks: the same JSON on one line.
    one_line = " ".join(token_file.read_text().split())
    assert (
        client.post("/login", data={"token": one_line}, follow_redirects=False).status_code == 303
    )

    client.cookies.clear()
    plain = run_batchops("token", "create", "--user", "bob", "--role", "viewer").stdout
    pasted_both_lines = " ".join(plain.split())  # the token and the note after it
    refused = client.post("/login", data={"token": pasted_both_lines}, follow_redirects=False)
    assert refused.status_code == 400
    assert "paste the token alone (the bo_… value), or the whole JSON" in refused.text
    assert "set-cookie" not in refused.headers
    no_token = client.post("/login", data={"token": '{"user": "bob"}'}, follow_redirects=False)
    assert no_token.status_code == 400 and "paste the token alone" in no_token.text
