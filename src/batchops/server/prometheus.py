"""`/metrics`: figures read from the metadata store at scrape time, so every process that
runs executions is counted, not just this one."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector, CollectorRegistry
from sqlalchemy import func, select

from batchops.store.db import session_scope
from batchops.store.metrics import latest_values
from batchops.store.schema.pipelines import ExecutionRow, StepRunRow
from batchops.store.statuses import StepStatus

ALARM_STATES = {"OK": 0, "ALARM": 1, "INSUFFICIENT_DATA": -1}
RECENT_STEPS = 500  # transform throughput from the newest step runs, not the whole history


class StoreCollector(Collector):
    def collect(self) -> Iterator[Metric]:
        executions = GaugeMetricFamily(
            "batchops_executions",
            "Executions by pipeline and status.",
            labels=["pipeline", "status"],
        )
        durations = GaugeMetricFamily(
            "batchops_step_duration_seconds_avg",
            "Average duration of succeeded step runs.",
            labels=["pipeline", "step"],
        )
        runs = CounterMetricFamily(
            "batchops_step_runs", "Succeeded step runs.", labels=["pipeline", "step"]
        )
        rows = GaugeMetricFamily(
            "batchops_transform_rows",
            "Rows scored by the newest transform run.",
            labels=["pipeline", "step"],
        )
        speed = GaugeMetricFamily(
            "batchops_transform_rows_per_second",
            "Rows per second of the newest transform run.",
            labels=["pipeline", "step"],
        )
        drift = GaugeMetricFamily(
            "batchops_feature_drift_distance",
            "The newest baseline drift distance per feature.",
            labels=["feature"],
        )
        with session_scope() as session:
            for pipeline, status, count in session.execute(
                select(ExecutionRow.pipeline_name, ExecutionRow.status, func.count()).group_by(
                    ExecutionRow.pipeline_name, ExecutionRow.status
                )
            ):
                executions.add_metric([pipeline, status], count)
            steps = session.execute(
                select(ExecutionRow.pipeline_name, StepRunRow)
                .join(ExecutionRow, ExecutionRow.id == StepRunRow.execution_id)
                .where(StepRunRow.status == StepStatus.SUCCEEDED)
                .order_by(StepRunRow.id.desc())
                .limit(RECENT_STEPS)
            ).all()
            totals: dict[tuple[str, str], list[float]] = {}
            newest: dict[tuple[str, str], tuple[float, float]] = {}
            for pipeline, step in steps:
                if step.started_at is None or step.ended_at is None:
                    continue
                seconds = (step.ended_at - step.started_at).total_seconds()
                key = (pipeline, step.name)
                totals.setdefault(key, []).append(seconds)
                scored = _rows(step.properties)
                if scored is not None and key not in newest:
                    newest[key] = (scored, seconds)
        for key, values in totals.items():
            durations.add_metric(list(key), sum(values) / len(values))
            runs.add_metric(list(key), len(values))
        for key, (scored, seconds) in newest.items():
            rows.add_metric(list(key), scored)
            speed.add_metric(list(key), scored / seconds if seconds > 0 else 0.0)
        from batchops.server.views import DRIFT_PREFIX

        for name, value in latest_values(DRIFT_PREFIX).items():
            drift.add_metric([name[len(DRIFT_PREFIX) :]], value)
        yield from (executions, durations, runs, rows, speed, drift, _alarm_states())


def _alarm_states() -> Metric:
    from batchops.events.alarms import list_alarms

    states = GaugeMetricFamily(
        "batchops_alarm_state",
        "Each alarm's state: 0 OK, 1 ALARM, -1 INSUFFICIENT_DATA.",
        labels=["alarm", "metric"],
    )
    for alarm in list_alarms():
        states.add_metric([alarm.name, alarm.metric], ALARM_STATES.get(alarm.state, -1))
    return states


def _rows(properties: Any) -> float | None:
    output = (properties or {}).get("TransformOutput") if isinstance(properties, dict) else None
    value = (output or {}).get("Rows") if isinstance(output, dict) else None
    return float(value) if isinstance(value, int | float) else None


def registry() -> CollectorRegistry:
    found = CollectorRegistry(auto_describe=False)
    found.register(StoreCollector())
    return found


def exposition(collectors: CollectorRegistry) -> tuple[bytes, str]:
    from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

    return generate_latest(collectors), CONTENT_TYPE_LATEST


__all__: list[Any] = ["exposition", "registry"]
