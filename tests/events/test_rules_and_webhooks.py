"""Rules on events, webhooks to a real local receiver, the chain bound, at-most-once starts."""

from __future__ import annotations

import hashlib
import hmac
import json
import signal

import pytest

from batchops.crashpoints import SCHEDULER_AFTER_DECIDE
from batchops.errors import InvalidInput
from batchops.events import rules
from batchops.events.scheduler import run_once
from batchops.events.webhooks import DELIVERY_HEADER, SIGNATURE_HEADER, delivery_json
from batchops.runtime.execution import start_execution
from batchops.store.executions import execution_json, list_executions
from support.automation import echo, fail, receiving, store_pipeline, unused_port_url
from support.cli import run_batchops
from support.crashing import run_crashing


@pytest.fixture(autouse=True)
def quick_webhooks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BATCHOPS_WEBHOOK_BACKOFF", "0.05")
    monkeypatch.setenv("BATCHOPS_WEBHOOK_TIMEOUT", "0.5")
    monkeypatch.setenv("BATCHOPS_WEBHOOK_TRIES", "3")


def test_a_failed_execution_is_posted_signed_with_a_delivery_id(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    store_pipeline("bad", fail)
    monkeypatch.setenv("HOOK_SECRET", "s3cret")
    with receiving() as receiver:
        rules.create_rule(
            "on-failure",
            "ExecutionStatusChanged",
            filters={"status": "Failed"},
            webhook=receiver.url,
            secret_env="HOOK_SECRET",
        )
        failed = start_execution("bad", None, {}, wait=True).id
        report = run_once()
    assert len(receiver.requests) == 1
    request = receiver.requests[0]
    assert request["body"]["event"]["detail"]["execution_id"] == failed
    assert request["body"]["rule"]["name"] == "on-failure"
    delivery = request["headers"][DELIVERY_HEADER]
    assert request["body"]["delivery_id"] == delivery
    expected = "sha256=" + hmac.new(b"s3cret", request["raw"], hashlib.sha256).hexdigest()
    assert request["headers"][SIGNATURE_HEADER] == expected
    assert report.deliveries == {delivery: "delivered"}
    assert rules.rule_history("on-failure")[-1]["outcome"] == "delivered"


@pytest.mark.parametrize("kind", ["failing", "slow", "down"])
def test_a_receiver_that_fails_is_retried_then_recorded_failed(kind: str) -> None:
    store_pipeline("bad", fail)
    status, delay = (500, 0.0) if kind == "failing" else (200, 2.0)
    with receiving(status, delay) as receiver:
        url = unused_port_url() if kind == "down" else receiver.url
        rules.create_rule("hook", "ExecutionStatusChanged", webhook=url)
        start_execution("bad", None, {}, wait=True)
        report = run_once()
    (delivery_id, outcome), *_ = report.deliveries.items()
    assert outcome == "failed"
    assert delivery_json(delivery_id)["attempts"] == 3  # type: ignore[index]
    if kind != "down":
        ids = {r["headers"][DELIVERY_HEADER] for r in receiver.requests}
        assert ids == {delivery_id} and len(receiver.requests) == 3
    entry = rules.rule_history("hook")[-1]
    assert entry["outcome"] == "failed" and entry["error"]


def test_a_rule_sees_only_later_events_and_fills_parameters_from_the_event() -> None:
    store_pipeline("greet", echo)
    store_pipeline("bad", fail)
    start_execution("bad", None, {}, wait=True)  # before the rule: not seen
    rules.create_rule(
        "retry-greet",
        "ExecutionStatusChanged",
        filters={"pipeline": "bad", "status": "Failed"},
        start="greet",
        parameters={"Who": "{pipeline} {execution_id}"},
    )
    assert run_once().started == []
    failed = start_execution("bad", None, {}, wait=True).id
    report = run_once()
    assert len(report.started) == 1
    started = execution_json(report.started[0])
    assert started["parameters"]["Who"] == f"bad {failed}"
    assert started["trigger"]["chain"][0]["rule"] == "retry-greet"
    assert run_once().started == []  # the event is handled once


def test_rules_that_trigger_each_other_stop_at_the_chain_limit(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("BATCHOPS_MAX_EVENT_CHAIN", "2")
    store_pipeline("greet", echo)
    rules.create_rule(
        "again", "ExecutionStatusChanged", filters={"pipeline": "greet"}, start="greet"
    )
    start_execution("greet", None, {}, wait=True)
    report = run_once()
    assert len(report.started) == 2  # the first link and the second; the third is refused
    outcomes = [entry["outcome"] for entry in rules.rule_history("again")]
    assert outcomes == ["started", "started", "chain-limit"]


def test_a_crash_between_deciding_and_starting_never_starts_twice(batchops_home: object) -> None:
    store_pipeline("greet", echo)
    store_pipeline("bad", fail)
    rules.create_rule("r", "ExecutionStatusChanged", filters={"pipeline": "bad"}, start="greet")
    start_execution("bad", None, {}, wait=True)
    crashed = run_crashing([SCHEDULER_AFTER_DECIDE], "scheduler-once")
    assert crashed.returncode == -signal.SIGKILL, crashed.stderr  # killed right after deciding
    again = run_crashing([], "scheduler-once")  # a new scheduler
    assert again.returncode == 0, again.stderr
    greets = list_executions(pipeline="greet")
    assert len(greets) == 1
    assert [e["outcome"] for e in rules.rule_history("r")] == ["started"]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"on": "Nope", "log": True}, "unknown event type"),
        ({"on": "ExecutionStatusChanged", "filters": {"colour": "x"}, "log": True}, "no field"),
        ({"on": "ExecutionStatusChanged", "webhook": "file:///etc/passwd"}, "only http"),
        (
            {"on": "ExecutionStatusChanged", "start": "greet", "parameters": {"X": "1"}},
            "no parameter",
        ),
        (
            {"on": "ExecutionStatusChanged", "start": "greet", "parameters": {"Who": "{group}"}},
            "unknown field",
        ),
        ({"on": "ExecutionStatusChanged"}, "exactly one action"),
    ],
)
def test_bad_rules_are_refused_at_creation(kwargs: dict[str, object], message: str) -> None:
    store_pipeline("greet", echo)
    on = str(kwargs.pop("on"))
    with pytest.raises(InvalidInput, match=message):
        rules.create_rule("bad", on, **kwargs)  # type: ignore[arg-type]


def test_rule_json_is_what_the_cli_prints() -> None:
    store_pipeline("greet", echo)
    rule = rules.create_rule(
        "r", "ModelVersionStatusChanged", filters={"status": "Approved"}, log=True
    )
    listed = run_batchops("rule", "list", "--json")
    assert listed.returncode == 0, listed.stderr
    assert json.loads(listed.stdout) == [rule.to_json()]
    assert rule.to_json()["action"] == {"type": "log"}
