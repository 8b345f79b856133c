"""Monitoring results: the last runs with their violations, metric series, drift trends."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response

from batchops.runtime.monitoring_runs import recent_runs
from batchops.server import response_models as models
from batchops.server.auth import requires
from batchops.server.responses import json_response
from batchops.store.metric_names import BASELINE_DRIFT
from batchops.store.metrics import feature_series, metric_history
from batchops.store.tokens import Role

router = APIRouter(prefix="/api/monitoring", tags=["monitoring"])
Runs = Annotated[int, Query(ge=1, le=200)]


@router.get(
    "/runs", response_model=list[models.MonitoringRun], dependencies=[requires(Role.VIEWER)]
)
def runs(limit: Runs = 20) -> Response:
    """The newest data-quality checks: execution, step, violations, report, model version."""
    return json_response(recent_runs(limit))


@router.get(
    "/drift",
    response_model=dict[str, list[models.SeriesPoint]],
    dependencies=[requires(Role.VIEWER)],
)
def drift(runs: Runs = 20) -> Response:
    """Per feature, its baseline drift distance over the last runs (oldest first)."""
    return json_response(feature_series(BASELINE_DRIFT, runs))


@router.get(
    "/metrics/{metric}",
    response_model=list[models.MetricValue],
    dependencies=[requires(Role.VIEWER)],
)
def metric(metric: Annotated[str, Path(max_length=512)], limit: Runs = 100) -> Response:
    """One recorded metric's values, newest first."""
    return json_response(metric_history(metric, limit))
