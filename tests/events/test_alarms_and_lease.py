"""Alarm transitions on metric datapoints; two schedulers at once on one database."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime

import pytest

from batchops.errors import InvalidInput
from batchops.events import alarms, schedules
from batchops.events.lease import try_take
from batchops.events.scheduler import run_once
from batchops.store.events import read_events
from batchops.store.metrics import record_metrics
from support.automation import receiving, store_pipeline


def test_alarm_moves_through_its_states_and_announces_each_transition() -> None:
    alarms.create_alarm("drift", "feature_baseline_drift_age", above=0.1, datapoints=2, of=3)
    assert alarms.get_alarm("drift").state == "INSUFFICIENT_DATA"
    with receiving() as receiver:
        alarms.create_alarm(
            "drift-hook", "feature_baseline_drift_age", above=0.1, webhook=receiver.url
        )
        states = []
        for value in (0.5, 0.4, 0.0, 0.0):
            record_metrics("run", {"feature_baseline_drift_age": value})
            run_once()
            states.append(alarms.get_alarm("drift").state)
    assert states == ["INSUFFICIENT_DATA", "ALARM", "ALARM", "OK"]
    changes = [e for e in read_events() if e.type == "AlarmStateChanged"]
    assert [
        (e.detail["alarm"], e.detail["state"]) for e in changes if e.detail["alarm"] == "drift"
    ] == [
        ("drift", "ALARM"),
        ("drift", "OK"),
    ]
    assert [r["body"]["alarm"]["state"] for r in receiver.requests] == ["ALARM", "OK"]
    assert [h["outcome"] for h in alarms.alarm_history("drift")] == ["ALARM", "OK"]


def test_execution_outcomes_are_metrics_alarms_can_watch() -> None:
    from support.automation import fail

    store_pipeline("bad", fail)
    alarms.create_alarm("failures", "execution_failed", pipeline="bad", above=0.5)
    from batchops.runtime.execution import start_execution

    start_execution("bad", None, {}, wait=True)
    run_once()
    assert alarms.get_alarm("failures").state == "ALARM"


@pytest.mark.parametrize(
    ("metric", "kwargs", "message"),
    [
        ("accuracy_of_vibes", {"above": 1.0}, "unknown metric"),
        ("violation_count", {}, "exactly one of"),
        ("violation_count", {"above": 1.0, "datapoints": 3, "of": 2}, "M <= N"),
        ("violation_count", {"above": 1.0, "datapoints": 5, "of": 10**11}, "N <= 1000"),
        ("violation_count", {"above": float("inf")}, "finite number"),
        ("violation_count", {"below": float("nan")}, "finite number"),
    ],
)
def test_bad_alarms_are_refused(metric: str, kwargs: dict[str, float], message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        alarms.create_alarm("bad", metric, **kwargs)  # type: ignore[arg-type]


def test_a_feature_metric_no_run_produced_yet_is_accepted() -> None:
    assert alarms.create_alarm("new", "feature_completeness_brand_new", below=0.9).state


def test_the_lease_has_one_holder_until_it_expires(database: str) -> None:
    assert try_take("a", 30)
    assert not try_take("b", 30)
    assert try_take("a", 30)  # renewal
    assert try_take("c", -1) is False
    assert try_take("a", -1)  # expires at once
    assert try_take("b", 30)


def test_two_schedulers_at_once_run_each_tick_once(database: str) -> None:
    store_pipeline()
    start = datetime(2024, 3, 1, tzinfo=UTC)
    schedules.create_schedule("hourly", "greet", "0 * * * *", now=start)
    code = (
        "from datetime import datetime; from batchops.events.scheduler import run_once; "
        "run_once(datetime.fromisoformat('2024-03-01T01:00:00+00:00'))"
    )
    processes = [subprocess.Popen([sys.executable, "-c", code]) for _ in range(2)]
    assert [p.wait(120) for p in processes] == [0, 0]
    from batchops.store.executions import list_executions

    assert len(list_executions(pipeline="greet")) == 1


def test_a_late_label_updates_its_dates_datapoint_and_the_alarm_follows() -> None:
    """Realised quality arrives by prediction date: a late label replaces that date's figure
    (one datapoint, not two), and an alarm on it is evaluated again."""
    from batchops.store.metrics import metric_history, upsert_metrics

    alarms.create_alarm("quality-drop", "model_quality.accuracy", below=0.8)
    key = "customer-churn/1|2026-11-30"
    upsert_metrics("run-a", {"model_quality.accuracy": 0.9}, key=key)
    alarms.evaluate_alarms()
    assert alarms.get_alarm("quality-drop").state == alarms.OK
    upsert_metrics("run-b", {"model_quality.accuracy": 0.6}, key=key)
    alarms.evaluate_alarms()
    assert alarms.get_alarm("quality-drop").state == alarms.ALARM
    assert [point["value"] for point in metric_history("model_quality.accuracy")] == [0.6]
