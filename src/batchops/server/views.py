"""Small read models the API and the page share: a statistics file as a table, the drift
series with their threshold, the last monitoring runs. Built from library calls only."""

from __future__ import annotations

import json
from typing import Any

from batchops.models.problem_types import SHOWN
from batchops.store import artifacts
from batchops.store.metrics import dated_series, histories

DRIFT_PREFIX = "feature_baseline_drift_"
DEFAULT_DRIFT_THRESHOLD = 0.1


def read_json(uri: str | None) -> Any:
    if not uri:
        return None
    try:
        return json.loads(artifacts.read_text(uri))
    except (OSError, ValueError):
        return None


def statistics_table(statistics: dict[str, Any] | None) -> list[dict[str, Any]]:
    """One row per feature: type, completeness, mean, std, min, max, distinct."""
    rows = []
    for feature in (statistics or {}).get("features", []):
        numeric = feature.get("numerical_statistics")
        text = feature.get("string_statistics")
        figures = numeric or text or {}
        common = figures.get("common") or {}
        present = common.get("num_present") or 0
        missing = common.get("num_missing") or 0
        completeness = figures.get("completeness")
        if completeness is None and present + missing:
            completeness = present / (present + missing)
        rows.append(
            {
                "name": str(feature.get("name", "")),
                "type": str(feature.get("inferred_type", "")),
                "completeness": completeness,
                "mean": (numeric or {}).get("mean"),
                "std": (numeric or {}).get("std_dev"),
                "min": (numeric or {}).get("min"),
                "max": (numeric or {}).get("max"),
                "distinct": figures.get("distinct_count")
                or figures.get("approximate_num_distinct_values"),
            }
        )
    return rows


def drift_threshold(constraints: dict[str, Any] | None) -> float:
    config = ((constraints or {}).get("monitoring_config") or {}).get("distribution_constraints")
    value = (config or {}).get("comparison_threshold")
    return float(value) if isinstance(value, int | float) else DEFAULT_DRIFT_THRESHOLD


def drift_series(runs: int = 20) -> dict[str, list[dict[str, Any]]]:
    """Feature -> its drift distance over the last runs, oldest first."""
    return {
        name[len(DRIFT_PREFIX) :]: series for name, series in histories(DRIFT_PREFIX, runs).items()
    }


#: The realised figures the page draws: every problem type's headline figures (accuracy and
#: auc, weighted_f1, rmse, mae and r2), each where a version has them.
QUALITY_METRICS = SHOWN


def quality_series(points: int = 30) -> dict[str, list[dict[str, Any]]]:
    """`GROUP/VERSION metric` -> realised quality by prediction date (the last `points`
    dates), as ground truth arrives; a dot's label is its date."""
    found: dict[str, list[dict[str, Any]]] = {}
    for metric in QUALITY_METRICS:
        for version, series in dated_series(f"model_quality.{metric}").items():
            found[f"{version} {metric}"] = [
                {"value": p["value"], "execution_id": p["date"]} for p in series[-points:]
            ]
    return dict(sorted(found.items()))
