"""`/metrics`: figures read from the metadata store at scrape time, so every process that
runs executions is counted, not just this one."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector, CollectorRegistry

from batchops.events.alarms import AlarmState
from batchops.store.executions import executions_by_status
from batchops.store.metric_names import BASELINE_DRIFT
from batchops.store.metrics import latest_feature_values
from batchops.store.recent_steps import newest_succeeded_steps

ALARM_STATES = {AlarmState.OK: 0, AlarmState.ALARM: 1, AlarmState.INSUFFICIENT_DATA: -1}
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
        for pipeline, status, count in executions_by_status():
            executions.add_metric([pipeline, status], count)
        totals: dict[tuple[str, str], list[float]] = {}
        newest: dict[tuple[str, str], tuple[float, float]] = {}
        for step in newest_succeeded_steps(RECENT_STEPS):
            key = (step.pipeline, step.step)
            totals.setdefault(key, []).append(step.seconds)
            scored = _rows(step.properties)
            if scored is not None and key not in newest:
                newest[key] = (scored, step.seconds)
        for key, values in totals.items():
            durations.add_metric(list(key), sum(values) / len(values))
            runs.add_metric(list(key), len(values))
        for key, (scored, seconds) in newest.items():
            rows.add_metric(list(key), scored)
            speed.add_metric(list(key), scored / seconds if seconds > 0 else 0.0)
        for feature, value in latest_feature_values(BASELINE_DRIFT).items():
            drift.add_metric([feature], value)
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
