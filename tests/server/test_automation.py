"""Schedules, rules, alarms and the event log through the API and on the page."""

from __future__ import annotations

import json

from fastapi.testclient import TestClient

from batchops.events import alarms, rules, schedules
from batchops.events.scheduler import run_once
from batchops.store.events import read_events
from batchops.store.metrics import record_metrics
from batchops.store.tokens import Role
from support.automation import store_pipeline
from support.cli import run_batchops

from .conftest import bearer


def test_schedules_are_listed_described_and_paused_as_the_cli_shows_them(
    client: TestClient, tokens: dict[Role, str]
) -> None:
    store_pipeline("greet")
    schedules.create_schedule("nightly", "greet", "0 6 * * *", parameters={"Who": "team"})
    viewer = bearer(tokens[Role.VIEWER])
    listed = client.get("/api/schedules", headers=viewer).json()
    assert listed["total"] == 1 and listed["items"] == [schedules.get_schedule("nightly").to_json()]
    described = client.get("/api/schedules/nightly", headers=viewer).json()
    assert described == schedules.describe_schedule("nightly")
    shown = run_batchops("schedule", "describe", "nightly", "--json")
    assert shown.returncode == 0, shown.stderr
    assert json.loads(shown.stdout) == described
    assert client.post("/api/schedules/nightly/pause", headers=viewer).status_code == 403
    approver = bearer(tokens[Role.APPROVER])
    paused = client.post("/api/schedules/nightly/pause", headers=approver).json()
    assert paused["state"] == "PAUSED" and schedules.get_schedule("nightly").paused
    resumed = client.post("/api/schedules/nightly/resume", headers=approver).json()
    assert resumed["state"] == "ENABLED" and resumed["next_tick_at"]
    missing = client.get("/api/schedules/nope/history", headers=viewer)
    assert missing.status_code == 404 and "nope" in missing.json()["detail"]


def test_rules_and_alarms_with_their_history_and_the_event_log(
    client: TestClient, tokens: dict[Role, str]
) -> None:
    admin = bearer(tokens[Role.ADMIN])
    made = client.post(
        "/api/rules", json={"name": "seen", "on": "AlarmStateChanged", "log": True}, headers=admin
    )
    assert made.status_code == 201 and made.json() == rules.get_rule("seen").to_json()
    bad = client.post("/api/rules", json={"name": "x", "on": "Nothing", "log": True}, headers=admin)
    assert bad.status_code == 422 and "Nothing" in bad.json()["detail"]
    alarms.create_alarm("drift", "feature_baseline_drift_age", above=0.1)
    record_metrics("run", {"feature_baseline_drift_age": 0.5})
    run_once()
    viewer = bearer(tokens[Role.VIEWER])
    alarm = client.get("/api/alarms", headers=viewer).json()["items"][0]
    assert alarm["name"] == "drift" and alarm["state"] == "ALARM"
    scraped = client.get("/metrics", headers=viewer).text
    assert 'batchops_alarm_state{alarm="drift",metric="feature_baseline_drift_age"} 1.0' in scraped
    history = client.get("/api/alarms/drift/history", headers=viewer).json()
    assert [h["outcome"] for h in history] == ["ALARM"]
    assert client.get("/api/rules/seen/history", headers=viewer).json() == rules.rule_history(
        "seen"
    )
    first = client.get("/api/events?limit=1", headers=viewer).json()
    assert first["items"] == [read_events(0, 1)[0].to_json()]
    rest = client.get(first["next"], headers=viewer).json()
    after = first["items"][0]["position"]
    assert rest["items"] == [e.to_json() for e in read_events(after, 50)]
    assert client.post("/api/rules", json={"name": "y"}, headers=viewer).status_code == 403


def test_the_page_shows_states_and_pauses_with_a_csrf_protected_form(
    client: TestClient, tokens: dict[Role, str]
) -> None:
    store_pipeline("greet")
    schedules.create_schedule("nightly", "greet", "0 6 * * *", parameters={"Who": "team"})
    alarms.create_alarm("drift", "feature_baseline_drift_age", above=0.1)
    record_metrics("run", {"feature_baseline_drift_age": 0.5})
    run_once()
    client.post("/login", data={"token": tokens[Role.APPROVER]}, follow_redirects=False)
    front = client.get("/").text
    assert "Alarms in ALARM" in front and "drift" in front
    page = client.get("/automation").text
    assert "nightly" in page and "ENABLED" in page and "AlarmStateChanged" in page
    refused = client.post("/automation/schedules/nightly/pause", follow_redirects=False)
    assert refused.status_code == 403 and not schedules.get_schedule("nightly").paused
    csrf = page.split('name="csrf_token" value="')[1].split('"')[0]
    done = client.post(
        "/automation/schedules/nightly/pause", data={"csrf_token": csrf}, follow_redirects=False
    )
    assert done.status_code == 303 and schedules.get_schedule("nightly").paused
    assert "Resume" in client.get("/automation").text


def test_a_start_through_the_api_is_recorded_as_the_tokens_user(
    client: TestClient, tokens: dict[Role, str]
) -> None:
    import os

    from batchops.runtime.execution import get_execution

    store_pipeline("greet")
    before = os.environ.get("BATCHOPS_USER")
    started = client.post(
        "/api/pipelines/greet/executions",
        json={"parameters": {"Who": "team"}},
        headers=bearer(tokens[Role.APPROVER]),
    )
    assert started.status_code == 201 and started.json()["created_by"] == "user-approver"
    assert os.environ.get("BATCHOPS_USER") == before  # nothing process-wide was changed
    get_execution(started.json()["id"]).wait(timeout=60)  # its runner ends before the home goes
