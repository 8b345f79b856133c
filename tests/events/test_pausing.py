"""Pausing rules and alarms: a paused rule acts on no event, a paused alarm is not evaluated
and notifies nobody; what happened while paused is not acted on after resuming."""

from __future__ import annotations

import pytest

from batchops.errors import NotFound
from batchops.events import alarms, rules
from batchops.events.scheduler import run_once
from batchops.runtime.execution import start_execution
from batchops.store.events import read_events
from batchops.store.metrics import record_metrics
from support.automation import echo, fail, receiving, store_pipeline


def test_a_paused_rule_does_not_act_and_after_resuming_acts_only_on_later_events() -> None:
    store_pipeline("greet", echo)
    store_pipeline("bad", fail)
    rules.create_rule("retry", "ExecutionStatusChanged", filters={"pipeline": "bad"}, start="greet")
    paused = rules.set_rule_paused("retry", True, "ops")
    assert paused.paused and paused.to_json()["state"] == "PAUSED"
    start_execution("bad", None, {}, wait=True)
    assert run_once().started == []
    resumed = rules.set_rule_paused("retry", False, "ops")
    assert resumed.to_json()["state"] == "ENABLED"
    assert run_once().started == []  # the event that came while paused stays unacted
    start_execution("bad", None, {}, wait=True)
    report = run_once()
    assert len(report.started) == 1
    outcomes = [(h["outcome"], h.get("user")) for h in rules.rule_history("retry")]
    assert outcomes[:2] == [("paused", "ops"), ("resumed", "ops")]
    assert outcomes[2][0] == "started"


def test_a_rules_last_failure_names_the_failed_execution_it_started() -> None:
    store_pipeline("bad", fail)
    store_pipeline("greet", echo)
    rules.create_rule(
        "again-bad", "ExecutionStatusChanged", filters={"pipeline": "greet"}, start="bad"
    )
    assert rules.last_failure("again-bad") is None
    start_execution("greet", None, {}, wait=True)
    report = run_once()
    failure = rules.last_failure("again-bad")
    assert failure is not None and failure["execution_id"] == report.started[0]
    assert failure["reason"]
    assert rules.describe_rule("again-bad")["last_failure"] == failure


def test_a_rules_last_failure_is_its_refused_start(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BATCHOPS_MAX_EVENT_CHAIN", "1")
    store_pipeline("greet", echo)
    rules.create_rule(
        "again", "ExecutionStatusChanged", filters={"pipeline": "greet"}, start="greet"
    )
    start_execution("greet", None, {}, wait=True)
    run_once()
    failure = rules.last_failure("again")
    assert failure is not None and "BATCHOPS_MAX_EVENT_CHAIN=1" in failure["reason"]
    assert "execution_id" not in failure


def test_a_paused_alarm_is_not_evaluated_and_notifies_nobody() -> None:
    with receiving() as receiver:
        alarms.create_alarm("drift", "feature_baseline_drift_age", above=0.1, webhook=receiver.url)
        assert alarms.set_alarm_paused("drift", True).to_json()["paused"] is True
        record_metrics("run", {"feature_baseline_drift_age": 0.5})
        run_once()
        assert alarms.get_alarm("drift").state == "INSUFFICIENT_DATA"
        assert not [e for e in read_events() if e.type == "AlarmStateChanged"]
        alarms.set_alarm_paused("drift", False)
        run_once()
        assert alarms.get_alarm("drift").state == "INSUFFICIENT_DATA"  # paused time is past
        record_metrics("run", {"feature_baseline_drift_age": 0.6})
        run_once()
    assert alarms.get_alarm("drift").state == "ALARM"
    assert [r["body"]["alarm"]["state"] for r in receiver.requests] == ["ALARM"]
    outcomes = [h["outcome"] for h in alarms.alarm_history("drift")]
    assert outcomes == ["paused", "resumed", "ALARM", "delivered"]


def test_pausing_twice_records_once_and_an_unknown_name_is_named() -> None:
    alarms.create_alarm("drift", "feature_baseline_drift_age", above=0.1)
    alarms.set_alarm_paused("drift", True)
    alarms.set_alarm_paused("drift", True)
    assert [h["outcome"] for h in alarms.alarm_history("drift")] == ["paused"]
    with pytest.raises(NotFound, match="nope"):
        rules.set_rule_paused("nope", True)
    with pytest.raises(NotFound, match="nope"):
        alarms.set_alarm_paused("nope", False)
