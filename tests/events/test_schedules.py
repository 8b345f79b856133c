"""Schedules driven by an injected clock: ticks, time zones, catch-up, skips, failures."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import delete

from batchops.errors import InvalidInput, NotFound
from batchops.events import schedules
from batchops.events.scheduler import run_once
from batchops.store.db import session_scope
from batchops.store.executions import execution_json, list_executions
from batchops.store.schema.pipelines import PipelineRow, PipelineVersionRow
from support.automation import store_pipeline

T0 = datetime(2024, 3, 1, 12, 0, tzinfo=UTC)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def test_a_due_tick_starts_the_pipeline_with_the_ticks_time_in_its_parameters() -> None:
    store_pipeline()
    schedules.create_schedule(
        "daily", "greet", "0 6 * * *", parameters={"Who": "day {time:%Y-%m-%d}"}, now=T0
    )
    report = run_once(at("2024-03-02T06:00:30+00:00"))
    assert len(report.started) == 1
    execution = execution_json(report.started[0])
    assert execution["parameters"]["Who"] == "day 2024-03-02"
    assert execution["status"] == "Succeeded"
    assert execution["trigger"]["schedule"] == "daily"
    assert run_once(at("2024-03-02T06:01:00+00:00")).started == []  # the tick ran once


def test_time_zones_follow_daylight_saving_changes() -> None:
    store_pipeline()
    schedule = schedules.create_schedule(
        "paris", "greet", "0 6 * * *", timezone="Europe/Paris", now=at("2024-03-30T12:00:00+00:00")
    )
    assert schedule.next_tick_at == at("2024-03-31T04:00:00+00:00")  # CEST from that night
    winter = schedules.next_tick("0 6 * * *", "Europe/Paris", at("2024-03-29T12:00:00+00:00"))
    assert winter == at("2024-03-30T05:00:00+00:00")


def test_missed_ticks_are_skipped_by_default_and_latest_runs_one(batchops_home: object) -> None:
    store_pipeline()
    schedules.create_schedule("skip", "greet", "0 * * * *", now=T0)
    schedules.create_schedule("latest", "greet", "0 * * * *", catch_up="latest", now=T0)
    # The machine slept for two days: no burst, skip runs nothing, latest runs one.
    report = run_once(at("2024-03-03T12:20:00+00:00"))
    started = {execution_json(e)["trigger"]["schedule"] for e in report.started}
    assert started == {"latest"}
    assert len(report.started) == 1
    missed = schedules.schedule_history("skip")
    assert missed[-1]["outcome"] == "missed" and missed[-1]["ticks"] == 48


def test_a_paused_schedule_does_not_run() -> None:
    store_pipeline()
    schedules.create_schedule("p", "greet", "0 6 * * *", now=T0)
    schedules.set_paused("p", True)
    assert run_once(at("2024-03-02T06:00:00+00:00")).started == []
    resumed = schedules.set_paused("p", False, now=at("2024-03-02T07:00:00+00:00"))
    assert resumed.next_tick_at == at("2024-03-03T06:00:00+00:00")


def test_a_deleted_pipeline_fails_the_tick_and_others_still_run() -> None:
    store_pipeline("greet")
    store_pipeline("other")
    schedules.create_schedule("gone", "other", "0 6 * * *", now=T0)
    schedules.create_schedule("fine", "greet", "0 6 * * *", now=T0)
    with session_scope() as session:  # no command deletes a pipeline yet: remove its rows
        session.execute(
            delete(PipelineVersionRow).where(PipelineVersionRow.pipeline_name == "other")
        )
        session.execute(delete(PipelineRow).where(PipelineRow.name == "other"))
    report = run_once(at("2024-03-02T06:00:00+00:00"))
    assert len(report.started) == 1
    failed = schedules.schedule_history("gone")[-1]
    assert failed["outcome"] == "failed" and "other" in failed["reason"]


@pytest.mark.parametrize(
    ("cron", "zone", "pipeline", "params", "message"),
    [
        ("0 6 * *", "UTC", "greet", {}, "invalid cron"),
        ("0 6 * * *", "Mars/Base", "greet", {}, "unknown time zone"),
        ("0 6 * * *", "UTC", "greet", {"Colour": "x"}, "no parameter Colour"),
        ("0 6 * * *", "UTC", "greet", {"Who": "{group}"}, "unknown field {group}"),
    ],
)
def test_bad_input_is_refused_at_creation(
    cron: str, zone: str, pipeline: str, params: dict[str, str], message: str
) -> None:
    store_pipeline()
    with pytest.raises(InvalidInput, match=message):
        schedules.create_schedule("bad", pipeline, cron, timezone=zone, parameters=params)


@pytest.mark.parametrize(
    ("value", "message"), [("nan", "finite number"), ("7", "between 0.0 and 1.0"), ("x", "Rate")]
)
def test_a_bad_parameter_value_is_refused_at_creation_not_at_the_tick(
    value: str, message: str
) -> None:
    from batchops.pipeline import ParameterFloat, Pipeline

    rate = ParameterFloat("Rate", 0.5, min_value=0.0, max_value=1.0)
    Pipeline("rated", [rate], []).upsert()
    with pytest.raises(InvalidInput, match=message):
        schedules.create_schedule("bad", "rated", "0 6 * * *", parameters={"Rate": value})
    templated = {"Rate": "{time:%d}"}  # filled at the tick: checked when it starts
    assert schedules.create_schedule("ok", "rated", "0 6 * * *", parameters=templated)


def test_an_unknown_pipeline_is_refused() -> None:
    with pytest.raises(NotFound):
        schedules.create_schedule("bad", "nope", "0 6 * * *")
    assert list_executions() == []
