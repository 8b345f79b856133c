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


def test_rules_and_alarms_pause_and_resume_through_the_api_the_cli_and_the_page(
    client: TestClient, tokens: dict[Role, str]
) -> None:
    store_pipeline("greet")
    rules.create_rule("go", "AlarmStateChanged", start="greet", parameters={"Who": "{alarm}"})
    alarms.create_alarm("drift", "feature_baseline_drift_age", above=0.1)
    viewer, approver = bearer(tokens[Role.VIEWER]), bearer(tokens[Role.APPROVER])
    assert client.post("/api/rules/go/pause", headers=viewer).status_code == 403
    paused = client.post("/api/rules/go/pause", headers=approver).json()
    assert paused["state"] == "PAUSED" and rules.get_rule("go").paused
    assert client.get("/api/rules/go", headers=viewer).json()["state"] == "PAUSED"
    alarm = client.post("/api/alarms/drift/pause", headers=approver).json()
    assert alarm["paused"] is True and alarms.get_alarm("drift").paused
    assert client.post("/api/alarms/nope/pause", headers=approver).status_code == 404
    assert rules.rule_history("go")[-1]["user"] == "user-approver"

    listed = run_batchops("rule", "list")
    assert listed.returncode == 0 and "PAUSED" in listed.stdout, listed.stderr
    assert "(paused)" in run_batchops("alarm", "list").stdout
    for kind in ("rule", "alarm"):
        name = "go" if kind == "rule" else "drift"
        resumed = run_batchops(kind, "resume", name)
        assert resumed.returncode == 0 and f"{kind} {name} resumed" in resumed.stdout
    assert not rules.get_rule("go").paused and not alarms.get_alarm("drift").paused
    missing = run_batchops("rule", "pause", "nope")
    assert missing.returncode != 0 and "nope" in missing.stderr

    client.post("/login", data={"token": tokens[Role.APPROVER]}, follow_redirects=False)
    page = client.get("/automation").text
    assert 'action="/automation/rules/go/pause"' in page
    assert 'action="/automation/alarms/drift/pause"' in page
    assert 'start <a href="/pipelines/greet">greet</a>' in page  # the action, not `log`
    csrf = page.split('name="csrf_token" value="')[1].split('"')[0]
    for kind, name in (("rules", "go"), ("alarms", "drift")):
        done = client.post(
            f"/automation/{kind}/{name}/pause", data={"csrf_token": csrf}, follow_redirects=False
        )
        assert done.status_code == 303
    assert rules.get_rule("go").paused and alarms.get_alarm("drift").paused
    shown = client.get("/automation").text
    assert 'action="/automation/rules/go/resume"' in shown
    assert 'action="/automation/alarms/drift/resume"' in shown
    unknown = client.post(
        "/automation/tables/x/pause", data={"csrf_token": csrf}, follow_redirects=False
    )
    assert unknown.status_code == 404


def test_the_automation_page_shows_a_rules_last_failure_and_events_name_their_pipeline(
    client: TestClient, tokens: dict[Role, str]
) -> None:
    from batchops.runtime.execution import start_execution
    from support.automation import echo, fail

    store_pipeline("bad", fail)
    store_pipeline("greet", echo)
    rules.create_rule(
        "then-bad", "ExecutionStatusChanged", filters={"pipeline": "greet"}, start="bad"
    )
    rules.create_rule("hook", "ModelVersionRegistered", webhook="http://127.0.0.1:9/hook")
    start_execution("greet", None, {}, wait=True)
    failed = run_once().started[0]
    client.post("/login", data={"token": tokens[Role.VIEWER]}, follow_redirects=False)
    page = client.get("/automation").text
    row = page.split('data-rule="then-bad"')[1].split("</tr>")[0]
    assert "last failure" in row and f'href="/executions/{failed}"' in row
    hook = page.split('data-rule="hook"')[1].split("</tr>")[0]
    assert "webhook" in hook and "http://127.0.0.1:9/hook" in hook and "last failure" not in hook
    events = page.split("<h2>Events</h2>")[1]
    assert 'href="/pipelines/greet"' in events and 'href="/pipelines/bad"' in events
