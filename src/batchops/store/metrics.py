"""Each monitoring run's figures in the metadata store, as series for alarms and trends.

Below the runtime (which records them) and the registry, events and server (which read them).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from batchops.store.db import session_scope
from batchops.store.metric_names import feature_prefix, model_quality_metric
from batchops.store.schema import utcnow
from batchops.store.schema.monitoring import MonitoringMetricRow
from batchops.store.schema.pipelines import ExecutionRow
from batchops.store.step_effects import first_time


def record_metrics(
    run_uri: str,
    metrics: Mapping[str, float],
    *,
    execution_id: str | None = None,
    step_name: str | None = None,
) -> int:
    """Store one run's figures; a NaN or infinity (nothing to chart) is left out.

    A step's figures of one run are stored once: a retry of a step killed after storing them
    stores nothing more (0), so alarms never see the same run twice."""
    with session_scope() as session:
        if (
            execution_id
            and step_name
            and not first_time(session, execution_id, step_name, f"metrics of {run_uri}")
        ):
            return 0
        return add_metrics(
            session, run_uri, metrics, execution_id=execution_id, step_name=step_name
        )


def add_metrics(
    session: Session,
    run_uri: str,
    metrics: Mapping[str, float],
    *,
    execution_id: str | None = None,
    step_name: str | None = None,
) -> int:
    """`record_metrics` in the caller's transaction: the one place datapoints are written, so
    alarms (which read new datapoints in id order) see every figure batchops records."""
    values = {name: float(value) for name, value in metrics.items() if math.isfinite(value)}
    for name, value in values.items():
        session.add(
            MonitoringMetricRow(
                run_uri=run_uri,
                execution_id=execution_id,
                step_name=step_name,
                metric=name,
                value=value,
                recorded_at=utcnow(),
            )
        )
    return len(values)


def upsert_metrics(
    run_uri: str,
    metrics: Mapping[str, float],
    *,
    key: str,
    execution_id: str | None = None,
    step_name: str | None = None,
) -> int:
    """Store figures that replace earlier ones of the same `key` (e.g. `customer-churn/3|
    2024-05-01`): a late label updates that prediction date's datapoint instead of adding one."""
    values = {name: float(value) for name, value in metrics.items() if math.isfinite(value)}
    with session_scope() as session:
        for name, value in values.items():
            series_key = f"{name}|{key}"
            earlier = session.scalars(
                select(MonitoringMetricRow).where(MonitoringMetricRow.series_key == series_key)
            ).one_or_none()
            if earlier is not None:
                earlier.series_key = None  # freed for the replacement, deleted after it
                session.flush()
            # Replaced, not edited: the new row is a new datapoint that alarms evaluate; it is
            # inserted before the old one goes, so it never takes the old row's id.
            session.add(
                MonitoringMetricRow(
                    metric=name,
                    series_key=series_key,
                    run_uri=run_uri,
                    execution_id=execution_id,
                    step_name=step_name,
                    value=value,
                    recorded_at=utcnow(),
                )
            )
            session.flush()
            if earlier is not None:
                session.delete(earlier)
    return len(values)


def newest_datapoint(session: Session) -> int:
    """The id of the newest datapoint of any metric (0 when none): alarms read on from it."""
    return session.scalar(select(func.max(MonitoringMetricRow.id))) or 0


def datapoints(
    session: Session,
    metric: str,
    pipeline: str | None = None,
    *,
    after: int = 0,
    upto: int | None = None,
    newest: int | None = None,
) -> list[tuple[int, float]]:
    """`(id, value)` of one metric's datapoints (of one pipeline's executions when named),
    oldest first: those after the id `after`, up to `upto`; with `newest`, only the newest
    that many of them. What an alarm evaluates, in the caller's transaction."""
    table = MonitoringMetricRow
    query = select(table.id, table.value).where(table.metric == metric, table.id > after)
    if upto is not None:
        query = query.where(table.id <= upto)
    if pipeline:
        query = query.join(ExecutionRow, ExecutionRow.id == table.execution_id).where(
            ExecutionRow.pipeline_name == pipeline
        )
    if newest is None:
        return [(i, v) for i, v in session.execute(query.order_by(table.id))]
    found = session.execute(query.order_by(table.id.desc()).limit(newest)).all()
    return [(i, v) for i, v in reversed(found)]


def metric_history(metric: str, limit: int = 100) -> list[dict[str, Any]]:
    with session_scope() as session:
        rows = session.scalars(
            select(MonitoringMetricRow)
            .where(MonitoringMetricRow.metric == metric)
            .order_by(MonitoringMetricRow.recorded_at.desc())
            .limit(limit)
        ).all()
        return [
            {
                "run_uri": r.run_uri,
                "execution_id": r.execution_id,
                "value": r.value,
                "recorded_at": r.recorded_at.isoformat(),
                "series_key": r.series_key,
            }
            for r in rows
        ]


def latest_values(prefix: str) -> dict[str, float]:
    """The newest value of every metric whose name starts with `prefix`, by metric name."""
    newest = (
        select(MonitoringMetricRow.metric, func.max(MonitoringMetricRow.id).label("id"))
        .where(MonitoringMetricRow.metric.startswith(prefix, autoescape=True))
        .group_by(MonitoringMetricRow.metric)
        .subquery()
    )
    with session_scope() as session:
        rows = session.execute(
            select(MonitoringMetricRow.metric, MonitoringMetricRow.value).join(
                newest, MonitoringMetricRow.id == newest.c.id
            )
        )
        return {metric: value for metric, value in rows}


def histories(prefix: str, runs: int = 20) -> dict[str, list[dict[str, Any]]]:
    """The last `runs` values (oldest first) of every metric starting with `prefix`."""
    with session_scope() as session:
        recent = session.execute(  # plain rows: thousands of them, only read
            select(
                MonitoringMetricRow.metric,
                MonitoringMetricRow.execution_id,
                MonitoringMetricRow.value,
                MonitoringMetricRow.recorded_at,
            )
            .where(MonitoringMetricRow.metric.startswith(prefix, autoescape=True))
            .order_by(MonitoringMetricRow.id.desc())
            .limit(runs * 200)
        ).all()
    found: dict[str, list[dict[str, Any]]] = {}
    for r in recent:
        series = found.setdefault(r.metric, [])
        if len(series) < runs:
            series.append(
                {
                    "execution_id": r.execution_id,
                    "value": r.value,
                    "recorded_at": r.recorded_at.isoformat(),
                }
            )
    return {name: series[::-1] for name, series in sorted(found.items())}


def dated_series(metric: str) -> dict[str, list[dict[str, Any]]]:
    """Figures kept by `upsert_metrics` (key `SUBJECT|DATE`), per subject, oldest date first:
    realised model quality by prediction date, each date once however late its labels came."""
    with session_scope() as session:
        rows = session.execute(
            select(MonitoringMetricRow.series_key, MonitoringMetricRow.value).where(
                MonitoringMetricRow.metric == metric, MonitoringMetricRow.series_key.is_not(None)
            )
        ).all()
    found: dict[str, list[dict[str, Any]]] = {}
    for series_key, value in rows:
        _, subject, date = str(series_key).split("|", 2)
        found.setdefault(subject, []).append({"date": date, "value": value})
    return {subject: sorted(points, key=lambda p: p["date"]) for subject, points in found.items()}


def dated_values(metric: str, subject: str) -> dict[str, float]:
    """One subject's figures kept by `upsert_metrics` (key `SUBJECT|DATE`), by date: each
    date's current datapoint (a version's realised accuracy per prediction date)."""
    prefix = f"{metric}|{subject}|"
    with session_scope() as session:
        rows = session.execute(
            select(MonitoringMetricRow.series_key, MonitoringMetricRow.value).where(
                MonitoringMetricRow.metric == metric,
                MonitoringMetricRow.series_key.startswith(prefix, autoescape=True),
            )
        ).all()
    return {str(key).removeprefix(prefix): value for key, value in rows}


def feature_series(check: str, runs: int = 20) -> dict[str, list[dict[str, Any]]]:
    """Feature -> its figure of one check (`baseline_drift`: its drift distance) over the last
    `runs` runs, oldest first."""
    prefix = feature_prefix(check)
    return {name[len(prefix) :]: series for name, series in histories(prefix, runs).items()}


def latest_feature_values(check: str) -> dict[str, float]:
    """Feature -> the newest figure of one check (`/metrics` reports drift this way)."""
    prefix = feature_prefix(check)
    return {name[len(prefix) :]: value for name, value in latest_values(prefix).items()}


def realised_quality(figures: Sequence[str], points: int = 30) -> dict[str, list[dict[str, Any]]]:
    """`GROUP/VERSION figure` -> realised model quality by prediction date (the last `points`
    dates, oldest first), as ground truth arrives."""
    found: dict[str, list[dict[str, Any]]] = {}
    for figure in figures:
        for version, series in dated_series(model_quality_metric(figure)).items():
            found[f"{version} {figure}"] = series[-points:]
    return dict(sorted(found.items()))
