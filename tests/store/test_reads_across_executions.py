"""Reads across executions that the page, `/metrics` and alarms make, answered by the store
(which owns executions and metrics) in SQL, on SQLite and on PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

from batchops.pipeline.steps.types import StepType
from batchops.store import executions
from batchops.store.db import session_scope
from batchops.store.metrics import datapoints, dated_values, record_metrics, upsert_metrics
from batchops.store.recent_steps import executions_of_checks, newest_succeeded_steps
from batchops.store.statuses import StepStatus

CHECKS = (StepType.QUALITY_CHECK, StepType.MONITOR_BATCH_TRANSFORM)


def _execution(pipeline: str, steps: dict[str, tuple[str, dict[str, object]]]) -> str:
    execution = executions.create_execution(
        pipeline, 1, {}, {name: kind for name, (kind, _) in steps.items()}, "tester"
    )
    for name, (_, properties) in steps.items():
        started = executions.now()
        executions.update_step(
            execution,
            name,
            status=StepStatus.SUCCEEDED,
            properties=properties,
            started_at=started,
            ended_at=started + timedelta(seconds=2),
        )
    return execution


def test_checks_are_found_by_their_violation_report_wherever_the_step_keeps_it(
    database: str,
) -> None:
    from support.automation import store_pipeline

    store_pipeline("daily")
    report = {"ViolationReport": "/tmp/check/constraint_violations.json", "Violations": 0}
    checked = _execution("daily", {"Check": (StepType.QUALITY_CHECK, report)})
    both = _execution(
        "daily",
        {
            "Baseline": (StepType.QUALITY_CHECK, {"CalculatedBaselineStatistics": "/tmp/s"}),
            "Score": (StepType.MONITOR_BATCH_TRANSFORM, {"DataQuality": report}),
            "Unchecked": (StepType.MONITOR_BATCH_TRANSFORM, {"DataQuality": None}),
            "Named": (StepType.QUALITY_CHECK, {"Note": 'no "ViolationReport" key'}),
        },
    )
    _execution("daily", {"Other": (StepType.TRANSFORM, report)})  # not a check step

    assert executions_of_checks(CHECKS, limit=10) == [both, checked]
    assert executions_of_checks(CHECKS, limit=1, offset=1) == [checked]

    newest = newest_succeeded_steps(3)
    assert [(s.pipeline, s.step, s.seconds) for s in newest] == [
        ("daily", "Other", 2.0),
        ("daily", "Named", 2.0),
        ("daily", "Unchecked", 2.0),
    ]
    assert executions.executions_by_status() == [("daily", "Executing", 3)]


def test_an_alarms_datapoints_are_read_in_order_and_of_one_pipeline(database: str) -> None:
    from support.automation import store_pipeline

    store_pipeline("daily")
    store_pipeline("weekly")
    daily = _execution("daily", {})
    weekly = _execution("weekly", {})
    for value, run in ((1.0, daily), (2.0, weekly), (3.0, daily), (4.0, daily)):
        record_metrics("run", {"violation_count": value, "other": 9.0}, execution_id=run)
    with session_scope() as session:
        every = datapoints(session, "violation_count")
        assert [v for _, v in every] == [1.0, 2.0, 3.0, 4.0]
        first = every[0][0]
        assert [v for _, v in datapoints(session, "violation_count", "daily")] == [1.0, 3.0, 4.0]
        later = datapoints(session, "violation_count", after=first)
        assert [v for _, v in later] == [2.0, 3.0, 4.0]
        window = datapoints(session, "violation_count", "daily", upto=every[2][0], newest=1)
        assert [v for _, v in window] == [3.0]


def test_dated_figures_are_read_back_per_subject_and_date(database: str) -> None:
    upsert_metrics("a", {"model_quality.auc": 0.7}, key="churn/1|2024-05-01")
    upsert_metrics("b", {"model_quality.auc": 0.8}, key="churn/1|2024-05-01")  # late labels
    upsert_metrics("c", {"model_quality.auc": 0.6}, key="churn/1|2024-05-02")
    upsert_metrics("d", {"model_quality.auc": 0.5}, key="churn/11|2024-05-02")
    assert dated_values("model_quality.auc", "churn/1") == {"2024-05-01": 0.8, "2024-05-02": 0.6}
    assert dated_values("model_quality.accuracy", "churn/1") == {}
