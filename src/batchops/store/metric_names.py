"""The names of the metric series batchops records: built and read here, nowhere else.

The monitor writes a data-quality run's figures under these names (and into metrics.json),
alarms check a name before watching it, and the page and `/metrics` read series back by
them; model-quality and execution figures are named here too, so a series is spelled once.
"""

from __future__ import annotations

import re

from batchops.errors import InvalidInput

DATASET_ITEM_COUNT = "dataset_item_count"
VIOLATION_COUNT = "violation_count"
EXECUTION_DURATION = "execution_duration_seconds"
EXECUTION_FAILED = "execution_failed"

BASELINE_DRIFT = "baseline_drift"
COMPLETENESS = "completeness"
DATA_TYPE_SHARE = "data_type_share"
DOMAIN_SHARE = "domain_share"
FEATURE_CHECKS = (BASELINE_DRIFT, COMPLETENESS, DATA_TYPE_SHARE, DOMAIN_SHARE)
"""The per-feature figures of a data-quality check, in `feature_<check>_<feature>`."""

_MODEL_QUALITY = "model_quality."

KNOWN_METRICS = {
    DATASET_ITEM_COUNT: "rows of a monitored batch",
    VIOLATION_COUNT: "violations a data-quality check found",
    "feature_baseline_drift_<feature>": "a feature's distance from its baseline",
    "feature_completeness_<feature>": "a feature's share of present values",
    "feature_data_type_share_<feature>": "a feature's share of values of its type",
    "feature_domain_share_<feature>": "a feature's share of values in its domain",
    "model_<metric>": "a registered version's evaluation figure (model_accuracy, model_auc …)",
    "model_quality.<metric>": "realised quality once labels arrive, by prediction date "
    "(model_quality.accuracy, model_quality.auc …)",
    EXECUTION_DURATION: "an execution's duration",
    EXECUTION_FAILED: "1 for a failed execution, 0 for one that succeeded or was stopped",
}
"""Every series batchops records, as patterns (a feature's name is anything): what an
unknown name is told."""

_FEATURE = re.compile(rf"^feature_({'|'.join(FEATURE_CHECKS)})_(.+)$")
_KNOWN = re.compile(
    rf"^({DATASET_ITEM_COUNT}|{VIOLATION_COUNT}|{EXECUTION_DURATION}|{EXECUTION_FAILED}"
    rf"|feature_({'|'.join(FEATURE_CHECKS)})_.+|model_\w+|model_quality\.\w+)$"
)


def feature_metric(check: str, feature: str) -> str:
    """`feature_<check>_<feature>`, e.g. `feature_baseline_drift_age`."""
    return f"{feature_prefix(check)}{feature}"


def feature_prefix(check: str) -> str:
    """What every feature's series of one check starts with (`feature_baseline_drift_`)."""
    return f"feature_{check}_"


def parse_feature_metric(name: str) -> tuple[str, str] | None:
    """`(check, feature)` of a per-feature series, or None for any other name."""
    found = _FEATURE.match(name)
    return (found.group(1), found.group(2)) if found else None


def model_metric(name: str) -> str:
    """A registered version's evaluation figure (`model_accuracy`)."""
    return f"model_{name}"


def model_quality_metric(name: str) -> str:
    """A model-quality figure (`model_quality.accuracy`, `model_quality.label_coverage`)."""
    return f"{_MODEL_QUALITY}{name}"


def parse_model_quality_metric(name: str) -> str | None:
    """The figure a model-quality series holds (`accuracy`), or None for any other name."""
    return name.removeprefix(_MODEL_QUALITY) if name.startswith(_MODEL_QUALITY) else None


def check_metric(metric: str) -> str:
    """`metric` if batchops records a series of that name; otherwise InvalidInput listing
    the names it does record."""
    if not _KNOWN.match(metric):
        raise InvalidInput(
            f"unknown metric {metric!r}; batchops records: {', '.join(KNOWN_METRICS)}"
        )
    return metric
