"""Model Monitor files as a person reads them, on the page and through the API: a statistics
file as one row per feature, and the drift threshold a constraints file sets.

Lenient where the jobs are strict: a file that is gone or is not JSON shows as nothing (a table
without rows, the default threshold), so a page renders whatever a record points at.
"""

from __future__ import annotations

import json
from typing import Any

from batchops.monitor.constraints import DEFAULT_DRIFT_THRESHOLD
from batchops.store import artifacts
from batchops.wording import feature_title


def read_document(uri: str | None) -> Any:
    """The JSON document at `uri`, or None when there is none or it cannot be read."""
    if not uri:
        return None
    try:
        return json.loads(artifacts.read_text(uri))
    except (OSError, ValueError):
        return None


def statistics_table(
    statistics: dict[str, Any] | None, labels: dict[str, str] | None = None
) -> list[dict[str, Any]]:
    """One row per feature: type, completeness, mean, std, min, max, distinct; `title` is the
    name people read (`Day Mins (_c8)` when `labels` names the column, see `feature_title`)."""
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
                "title": feature_title(str(feature.get("name", "")), labels),
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


def statistics_rows(uri: str | None, labels: dict[str, str] | None = None) -> list[dict[str, Any]]:
    """`statistics_table` of the statistics file at `uri` (no rows when it cannot be read)."""
    return statistics_table(read_document(uri), labels)


def drift_threshold(constraints: dict[str, Any] | None) -> float:
    """The distance beyond which a feature drifted, as the constraints set it (SageMaker's
    `distribution_constraints.comparison_threshold`), else the monitor's default."""
    config = ((constraints or {}).get("monitoring_config") or {}).get("distribution_constraints")
    value = (config or {}).get("comparison_threshold")
    return float(value) if isinstance(value, int | float) else DEFAULT_DRIFT_THRESHOLD


def drift_threshold_at(uri: str | None) -> float:
    """`drift_threshold` of the constraints file at `uri` (the default when it cannot be read)."""
    return drift_threshold(read_document(uri))
