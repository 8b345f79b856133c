"""Two versions side by side: what they were gated on, and how they did once labels came."""

from __future__ import annotations

from typing import Any

from batchops.errors import InvalidInput
from batchops.models.problem_types import SHOWN, ProblemType, of_document
from batchops.monitor.model_quality import read_json_file
from batchops.registry.refs import parse_version_ref
from batchops.registry.values import ModelVersion
from batchops.registry.versions import get_version
from batchops.store.metric_names import model_quality_metric
from batchops.store.metrics import dated_values

#: The realised figures `compare_versions` shows, per prediction date: every problem type's
#: headline figures, and the share of predictions labelled.
REALISED = (*SHOWN, "label_coverage")


def compare_versions(first: str, second: str) -> dict[str, Any]:
    """Two versions side by side: evaluation metrics (with the champion figures the challenger
    was gated on), the latest realised model-quality figures, the realised figures per
    prediction date (`realised_by_date`: date -> metric -> one value per version), and which
    version is better on the problem type's own metric (`headline`: rmse lower is better,
    auc and accuracy higher)."""
    versions = [get_version(*parse_version_ref(ref)) for ref in (first, second)]
    names = sorted(set().union(*(v.metrics for v in versions)))
    by_date = [_realised_by_date(v.ref) for v in versions]
    dates = sorted(set().union(*by_date))
    return {
        "headline": _headline(versions),
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


def _headline(versions: list[ModelVersion]) -> dict[str, Any] | None:
    """The problem type's own metric of the two versions' evaluations, and the better one."""
    found = [_problem_of_version(v) for v in versions]
    kind = found[0] or found[1]
    if kind is None:
        return None
    values = [v.metrics.get(kind.headline) for v in versions]
    answer: dict[str, Any] = {
        "problem_type": kind.name,
        "metric": kind.headline,
        "lower_is_better": kind.lower_better(kind.headline),
        "values": values,
        "better": None,
    }
    numbers = [v for v in values if isinstance(v, int | float)]
    if len(numbers) == len(values) and numbers[0] != numbers[1]:
        pick = min if answer["lower_is_better"] else max
        answer["better"] = versions[numbers.index(pick(numbers))].ref
    return answer


def _problem_of_version(version: ModelVersion) -> ProblemType | None:
    if not version.metrics_uri:
        return None
    try:
        return of_document(read_json_file(version.metrics_uri, "evaluation"))
    except InvalidInput:
        return None


def _realised_by_date(ref: str) -> dict[str, dict[str, float]]:
    """date -> {metric: value}: each date's current (upserted) datapoint."""
    found: dict[str, dict[str, float]] = {}
    for name in REALISED:
        for date, value in dated_values(model_quality_metric(name), ref).items():
            found.setdefault(date, {})[name] = value
    return found


def _latest(by_date: dict[str, dict[str, float]]) -> dict[str, float]:
    return by_date[max(by_date)] if by_date else {}
