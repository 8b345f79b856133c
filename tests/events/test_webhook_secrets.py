"""A webhook URL's credentials are never shown or logged.

The probe: `user:pw@` and `?token=` in a webhook URL were shown to every viewer by
`GET /api/rules`, `rule list/describe` and the page, and written on every delivery attempt to
the scheduler's log. Now userinfo is refused (it is never sent anyway), credential-like query
values are masked wherever the URL is shown or logged (while the receiver still gets them),
and a rule stored with userinfo before is refused at its next delivery with one line saying
how to fix it.
"""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from batchops.events import rules
from batchops.events.logs import read_log
from batchops.events.scheduler import run_once
from batchops.runtime.execution import start_execution
from batchops.server import create_app
from batchops.store.db import session_scope
from batchops.store.tokens import Role, create_token
from support.automation import fail, receiving, store_pipeline
from support.cli import run_batchops

SECRETS = ("hunter2", "k3y-value", "s1g-value", "pa55")
QUERY = "?token=hunter2&Api_Key=k3y-value&X-Amz-Signature=s1g-value&team=ml"


@pytest.fixture(autouse=True)
def quick_webhooks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BATCHOPS_WEBHOOK_BACKOFF", "0.05")
    monkeypatch.setenv("BATCHOPS_WEBHOOK_TIMEOUT", "0.5")
    monkeypatch.setenv("BATCHOPS_WEBHOOK_TRIES", "2")


def _shows_no_secret(shown: str) -> None:
    leaked = [secret for secret in SECRETS if secret in shown]
    assert not leaked, f"{leaked} shown in: {shown[:2000]}"


def test_a_webhook_url_with_credentials_in_it_is_refused_naming_the_way_to_sign() -> None:
    store_pipeline("greet")
    for command in (
        ["rule", "create", "hook", "--on", "ExecutionStatusChanged"],
        ["alarm", "create", "hook", "--metric", "execution_failed", "--above", "0"],
    ):
        done = run_batchops(*command, "--webhook", "https://ops:pa55@hooks.example/in")
        assert done.returncode == 2 and done.stderr.count("\n") == 1, done.stderr
        assert "credentials in the URL" in done.stderr and "--secret-env" in done.stderr
        _shows_no_secret(done.stderr)
    admin = create_token("root", Role.ADMIN)[0]
    with TestClient(create_app()) as client:
        answer = client.post(
            "/api/rules",
            json={
                "name": "hook",
                "on": "ExecutionStatusChanged",
                "webhook": "http://ops:pa55@127.0.0.1:9/in",
            },
            headers={"Authorization": f"Bearer {admin}"},
        )
    assert answer.status_code == 422 and "credentials in the URL" in answer.json()["detail"]
    _shows_no_secret(answer.text)
    assert rules.list_rules() == []


def test_credential_query_values_reach_the_receiver_but_are_shown_and_logged_masked() -> None:
    store_pipeline("bad", fail)
    viewer = create_token("viewer", Role.VIEWER)[0]
    with receiving() as receiver:
        rules.create_rule(
            "tell",
            "ExecutionStatusChanged",
            filters={"status": "Failed"},
            webhook=receiver.url + QUERY,
        )
        start_execution("bad", None, {}, wait=True)
        report = run_once()
    assert list(report.deliveries.values()) == ["delivered"]
    assert receiver.requests[0]["path"] == "/hook" + QUERY  # the receiver gets the real values

    with TestClient(create_app()) as client:
        bearer = {"Authorization": f"Bearer {viewer}"}
        listed = client.get("/api/rules", headers=bearer)
        described = client.get("/api/rules/tell", headers=bearer)
        history = client.get("/api/rules/tell/history", headers=bearer)
        scheduler_log = client.get("/api/scheduler/log?kind=delivery", headers=bearer)
        client.post("/login", data={"token": viewer}, follow_redirects=False)
        page = client.get("/automation")
    shown = {
        "GET /api/rules": listed.text,
        "GET /api/rules/tell": described.text,
        "GET /api/rules/tell/history": history.text,
        "the page": page.text,
        "rule list": run_batchops("rule", "list").stdout,
        "rule list --json": run_batchops("rule", "list", "--json").stdout,
        "rule describe": run_batchops("rule", "describe", "tell").stdout,
        "rule history --json": run_batchops("rule", "history", "tell", "--json").stdout,
        "scheduler logs": run_batchops("scheduler", "logs", "--json").stdout,
        "GET /api/scheduler/log": scheduler_log.text,
    }
    for where, what in shown.items():
        _shows_no_secret(what)
        assert "token=***" in what and "team=ml" in what, where
    url = json.loads(shown["rule list --json"])[0]["action"]["url"]
    assert url == receiver.url + "?token=***&Api_Key=***&X-Amz-Signature=***&team=ml"


def test_a_rule_stored_with_credentials_is_refused_at_its_next_delivery_saying_how_to_fix_it() -> (
    None
):
    store_pipeline("bad", fail)
    with receiving() as receiver:
        rules.create_rule("old-hook", "ExecutionStatusChanged", webhook=receiver.url)
        stored = receiver.url.replace("http://", "http://ops:pa55@")
        with session_scope() as session:  # as a release that accepted userinfo stored it
            session.execute(text("UPDATE event_rules SET url = :url"), {"url": stored})
        start_execution("bad", None, {}, wait=True)
        report = run_once()
    assert list(report.deliveries.values()) == ["failed"] and receiver.requests == []
    entry = rules.rule_history("old-hook")[-1]
    assert entry["outcome"] == "failed"
    assert "\n" not in entry["error"]
    assert "holds credentials" in entry["error"] and "delete the rule" in entry["error"]
    assert entry["url"] == receiver.url.replace("http://", "http://ops:***@")
    _shows_no_secret(json.dumps(rules.describe_rule("old-hook")))
    _shows_no_secret(json.dumps(read_log()))
