"""Two versions side by side: what they were gated on, and how they did once labels came."""

from __future__ import annotations

from typing import Any

from batchops.registry.refs import parse_version_ref
from batchops.registry.versions import get_version
from batchops.store.metric_names import model_quality_metric
from batchops.store.metrics import dated_values

#: The realised figures `compare_versions` shows, per prediction date.
REALISED = ("accuracy", "auc", "label_coverage")


def compare_versions(first: str, second: str) -> dict[str, Any]:
    """Two versions side by side: evaluation metrics (with the champion figures the challenger
    was gated on), the latest realised model-quality figures, and the realised figures per
    prediction date (`realised_by_date`: date -> metric -> one value per version)."""
    versions = [get_version(*parse_version_ref(ref)) for ref in (first, second)]
    names = sorted(set().union(*(v.metrics for v in versions)))
    by_date = [_realised_by_date(v.ref) for v in versions]
    dates = sorted(set().union(*by_date))
    return {
        "versions": [
            {"ref": v.ref, "status": v.status, "metrics": v.metrics, "realised": _latest(r)}
            for v, r in zip(versions, by_date, strict=True)
        ],
        "metrics": {name: [v.metrics.get(name) for v in versions] for name in names},
        "realised_by_date": {
            date: {
                name: [figures.get(date, {}).get(name) for figures in by_date] for name in REALISED
            }
            for date in dates
        },
    }


def _realised_by_date(ref: str) -> dict[str, dict[str, float]]:
    """date -> {accuracy, auc, label_coverage}: each date's current (upserted) datapoint."""
    found: dict[str, dict[str, float]] = {}
    for name in REALISED:
        for date, value in dated_values(model_quality_metric(name), ref).items():
            found.setdefault(date, {})[name] = value
    return found


def _latest(by_date: dict[str, dict[str, float]]) -> dict[str, float]:
    return by_date[max(by_date)] if by_date else {}
