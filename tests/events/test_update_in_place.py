"""Schedules, rules and alarms changed in place (what `batchops apply` does to a changed
declaration): history kept, a rule's place in the event log kept, checks as at creation."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from batchops.errors import InvalidInput, NotFound
from batchops.events import alarms, rules, schedules
from batchops.events.scheduler import run_once
from batchops.runtime.execution import start_execution
from batchops.store.managed import Managed
from support.automation import echo, fail, store_pipeline


def test_a_changed_rule_keeps_its_place_in_the_event_log() -> None:
    store_pipeline("greet", echo)
    store_pipeline("bad", fail)
    store_pipeline("worse", fail)
    rule = rules.create_rule(
        "retry", "ExecutionStatusChanged", filters={"pipeline": "bad"}, start="greet"
    )
    start_execution("worse", None, {}, wait=True)  # after the rule, before the change
    changed = rules.update_rule(
        "retry",
        "ExecutionStatusChanged",
        filters={"pipeline": "worse", "status": "Failed"},
        start="greet",
        managed=Managed("team", "abc123"),
    )
    assert changed.after_position == rule.after_position
    assert changed.managed == Managed("team", "abc123")
    assert changed.filters == {"pipeline": "worse", "status": "Failed"}
    assert len(run_once().started) == 1  # the event it had not yet seen matches the new filter


def test_a_schedule_changed_in_place_ticks_on_its_new_calendar() -> None:
    store_pipeline("greet", echo)
    now = datetime(2025, 3, 3, 5, 0, tzinfo=UTC)
    made = schedules.create_schedule("daily", "greet", "0 6 * * *", now=now)
    same = schedules.update_schedule("daily", "greet", "0 6 * * *", paused=False, now=now)
    assert same.next_tick_at == made.next_tick_at
    moved = schedules.update_schedule(
        "daily", "greet", "30 7 * * *", timezone="Europe/Paris", paused=True, now=now
    )
    assert (moved.cron, moved.timezone, moved.paused) == ("30 7 * * *", "Europe/Paris", True)
    assert moved.next_tick_at == datetime(2025, 3, 3, 6, 30, tzinfo=UTC)
    assert moved.created_at == made.created_at
    with pytest.raises(InvalidInput, match="invalid cron expression"):
        schedules.update_schedule("daily", "greet", "soon")
    with pytest.raises(NotFound):
        schedules.update_schedule("weekly", "greet", "0 6 * * 1")


def test_an_alarm_watching_another_metric_starts_afresh() -> None:
    made = alarms.create_alarm("violations", "violation_count", above=0)
    raised = alarms.update_alarm("violations", "violation_count", above=5, datapoints=2, of=3)
    assert (raised.threshold, raised.datapoints, raised.of) == (5.0, 2, 3)
    assert raised.state_changed_at == made.state_changed_at  # the same watch: its state stays
    other = alarms.update_alarm("violations", "execution_failed", below=1)
    assert (other.metric, other.comparison, other.state) == (
        "execution_failed",
        "below",
        alarms.INSUFFICIENT_DATA,
    )
    with pytest.raises(InvalidInput, match="exactly one of `above` or `below`"):
        alarms.update_alarm("violations", "violation_count")
