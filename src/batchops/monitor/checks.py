"""The checks Model Monitor runs on a batch against a baseline, and the violations they report.

What each check measures and when it fires is written down in docs/monitoring.md. The check
types and the wording of the descriptions follow the service's `constraint_violations.json`;
each description names the feature, what was measured and the threshold it missed.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

from batchops.monitor.constraints import (
    ENABLED,
    Constraints,
    DistributionConstraints,
    FeatureConstraints,
    MonitoringConfig,
)
from batchops.monitor.drift import Distance, categorical_distance, numeric_distance
from batchops.monitor.profiling import ColumnProfile
from batchops.monitor.statistics import DatasetStatistics, FeatureStatistics
from batchops.monitor.types import NUMERIC, STRING, UNKNOWN, looks_like_number
from batchops.store.metric_names import BASELINE_DRIFT, COMPLETENESS, DATA_TYPE_SHARE, DOMAIN_SHARE

DATA_TYPE_CHECK = "data_type_check"
COMPLETENESS_CHECK = "completeness_check"
BASELINE_DRIFT_CHECK = "baseline_drift_check"
MISSING_COLUMN_CHECK = "missing_column_check"
EXTRA_COLUMN_CHECK = "extra_column_check"
CATEGORICAL_VALUES_CHECK = "categorical_values_check"
CHECK_TYPES = (
    DATA_TYPE_CHECK,
    COMPLETENESS_CHECK,
    BASELINE_DRIFT_CHECK,
    MISSING_COLUMN_CHECK,
    EXTRA_COLUMN_CHECK,
    CATEGORICAL_VALUES_CHECK,
)
MISSING_COLUMNS = "Missing columns"
EXTRA_COLUMNS = "Extra columns"

COMPLETENESS_Z = 3.0
"""Below a baseline completeness under 100%, a batch may fall short by this many standard
errors of the two sample proportions before it is flagged (sampling noise, not a change)."""


@dataclass
class Violation:
    feature_name: str
    constraint_check_type: str
    description: str

    def to_dict(self) -> dict[str, str]:
        return {
            "feature_name": self.feature_name,
            "constraint_check_type": self.constraint_check_type,
            "description": self.description,
        }


@dataclass
class FeatureResult:
    """What was measured for one feature, for the report and the metrics."""

    name: str
    status: str
    """`checked`, `missing` (in the baseline, not in the batch) or `extra` (the reverse)."""
    baseline_type: str | None = None
    batch_type: str | None = None
    completeness: float | None = None
    required_completeness: float | None = None
    completeness_threshold: float | None = None
    """The least completeness accepted: the required one less the sampling tolerance."""
    type_share: float | None = None
    type_threshold: float | None = None
    domain_share: float | None = None
    domain_threshold: float | None = None
    unknown_values: list[tuple[str, int]] = field(default_factory=list)
    drift: Distance | None = None
    drift_threshold: float | None = None
    drift_kind: str | None = None
    """`numeric` or `categorical`."""
    violations: list[Violation] = field(default_factory=list)

    def metrics(self) -> dict[str, float]:
        """The feature's figures by check, as their series are named (`store.metric_names`)."""
        values: dict[str, float] = {}
        if self.drift is not None:
            values[BASELINE_DRIFT] = self.drift.value
        if self.completeness is not None:
            values[COMPLETENESS] = self.completeness
        if self.type_share is not None:
            values[DATA_TYPE_SHARE] = self.type_share
        if self.domain_share is not None:
            values[DOMAIN_SHARE] = self.domain_share
        return values


@dataclass
class CheckOutcome:
    violations: list[Violation]
    features: list[FeatureResult]
    baseline_column_count: int
    batch_column_count: int

    def metrics(self) -> dict[str, dict[str, float]]:
        return {f.name: f.metrics() for f in self.features if f.status != "missing"}


def run_checks(
    constraints: Constraints,
    baseline: DatasetStatistics,
    batch: DatasetStatistics,
    columns: Mapping[str, ColumnProfile],
) -> CheckOutcome:
    """Check a batch (its statistics and column profiles, by feature name) against a baseline."""
    features: list[FeatureResult] = []
    violations: list[Violation] = []
    missing = [f.name for f in constraints.features if f.name not in columns]
    extra = [name for name in columns if constraints.feature(name) is None]
    for constraint in constraints.features:
        if constraint.name in missing:
            features.append(FeatureResult(constraint.name, "missing", constraint.inferred_type))
            continue
        result = _check_feature(
            constraint,
            constraints,
            baseline,
            columns[constraint.name],
            batch.item_count,
        )
        features.append(result)
        violations.extend(result.violations)
    for name in extra:
        profile = columns[name]
        features.append(
            FeatureResult(
                name,
                "extra",
                batch_type=profile.inferred_type,
                completeness=profile.types.present / batch.item_count if batch.item_count else 0,
            )
        )
    if constraints.monitoring_config.evaluate_constraints == ENABLED:
        counts = (len(constraints.features), len(columns))
        violations.extend(_check_missing_columns(missing, *counts))
        violations.extend(_check_extra_columns(extra, *counts))
    return CheckOutcome(violations, features, len(constraints.features), len(columns))


def _check_missing_columns(missing: list[str], baseline: int, batch: int) -> list[Violation]:
    if not missing:
        return []
    return [
        Violation(
            MISSING_COLUMNS,
            MISSING_COLUMN_CHECK,
            "There are missing columns in current dataset. Number of columns in current "
            f"dataset: {batch}, Number of columns in baseline constraints: {baseline}. "
            f"Missing: {_names(missing)}.",
        )
    ]


def _check_extra_columns(extra: list[str], baseline: int, batch: int) -> list[Violation]:
    if not extra:
        return []
    return [
        Violation(
            EXTRA_COLUMNS,
            EXTRA_COLUMN_CHECK,
            "There are extra columns in current dataset. Number of columns in current "
            f"dataset: {batch}, Number of columns in baseline constraints: {baseline}. "
            f"Extra: {_names(extra)}.",
        )
    ]


def _check_feature(
    constraint: FeatureConstraints,
    constraints: Constraints,
    baseline: DatasetStatistics,
    column: ColumnProfile,
    item_count: int,
) -> FeatureResult:
    """Run every per-feature check: each records what it measured in `result` (the report
    and the metrics show it) and returns its violation, if any."""
    config = constraints.config_for(constraint)
    stats = baseline.feature(constraint.name)
    result = FeatureResult(
        constraint.name,
        "checked",
        baseline_type=constraint.inferred_type,
        batch_type=column.inferred_type,
        completeness=column.types.present / item_count if item_count else 0.0,
    )
    found = [
        _check_data_type(result, constraint, stats, column, config),
        _check_completeness(result, constraint, column, config, item_count, baseline.item_count),
        _check_domain(result, constraint, column, config),
    ]
    if config.evaluate_constraints != ENABLED:
        found = []  # measured for the report and the metrics, not enforced
    distribution = config.distribution_constraints
    if distribution.perform_comparison == ENABLED and stats is not None:
        found.append(_check_drift(result, stats, column, distribution))
    result.violations.extend(v for v in found if v is not None)
    return result


def _check_data_type(
    result: FeatureResult,
    constraint: FeatureConstraints,
    stats: FeatureStatistics | None,
    column: ColumnProfile,
    config: MonitoringConfig,
) -> Violation | None:
    expected = constraint.inferred_type
    if expected == UNKNOWN:
        return None
    share = column.types.share_of(expected, _numbers_are_text(constraint, stats))
    result.type_share = share
    result.type_threshold = config.datatype_check_threshold
    if share is not None and share < config.datatype_check_threshold:
        return Violation(
            result.name,
            DATA_TYPE_CHECK,
            f"Data type match requirement is not met for feature '{result.name}'. "
            f"Expected: {_percent(config.datatype_check_threshold)} of values of type "
            f"{expected}. Observed: Only "
            f"{_percent(share, config.datatype_check_threshold)} ({_type_detail(column)}).",
        )
    return None


def _check_completeness(
    result: FeatureResult,
    constraint: FeatureConstraints,
    column: ColumnProfile,
    config: MonitoringConfig,
    item_count: int,
    baseline_count: int,
) -> Violation | None:
    if constraint.completeness is None:
        return None
    required = constraint.completeness
    allowed = required - _completeness_tolerance(required, item_count, baseline_count)
    result.required_completeness = required
    result.completeness_threshold = allowed
    observed = result.completeness or 0.0
    if observed < allowed - 1e-12:
        tolerance = ""
        if allowed < required:
            tolerance = f" (baseline {_percent(required)} less a sampling tolerance)"
        return Violation(
            result.name,
            COMPLETENESS_CHECK,
            f"Data completeness requirement is not met for feature '{result.name}'. "
            f"Expected: {_percent(allowed)}{tolerance}. Observed: Only "
            f"{_percent(observed, allowed)} ({column.types.missing} of {item_count} "
            "values missing).",
        )
    return None


def _check_domain(
    result: FeatureResult,
    constraint: FeatureConstraints,
    column: ColumnProfile,
    config: MonitoringConfig,
) -> Violation | None:
    present = column.types.present
    if constraint.domains is None or constraint.inferred_type != STRING or not present:
        return None
    domain = set(constraint.domains)
    inside = sum(column.categories.get(value, 0) for value in domain)
    share = inside / present
    result.domain_share = share
    result.domain_threshold = config.domain_content_threshold
    unknown = sorted(
        ((v, c) for v, c in column.categories.items() if v not in domain),
        key=lambda item: (-item[1], item[0]),
    )
    result.unknown_values = unknown[:10]
    if share < config.domain_content_threshold:
        examples = ", ".join(f"'{value}'" for value, _ in unknown[:3])
        return Violation(
            result.name,
            CATEGORICAL_VALUES_CHECK,
            f"Data domain requirement is not met for feature '{result.name}'. Expected: "
            f"{_percent(config.domain_content_threshold)} of values in the baseline's "
            f"domain of {len(domain)} values. Observed: Only "
            f"{_percent(share, config.domain_content_threshold)} ({present - inside} "
            f"values outside it{', such as ' + examples if examples else ''}).",
        )
    return None


def _check_drift(
    result: FeatureResult,
    stats: FeatureStatistics,
    column: ColumnProfile,
    distribution: DistributionConstraints,
) -> Violation | None:
    name = result.name
    method = distribution.comparison_method
    if stats.inferred_type in NUMERIC and stats.numerical and stats.numerical.sketch:
        batch_sketch = column.quantile_sketch()
        if batch_sketch is None or stats.numerical.sketch.count == 0:
            return None
        result.drift = numeric_distance(stats.numerical.sketch, batch_sketch, method)
        result.drift_threshold = distribution.comparison_threshold
        result.drift_kind = "numeric"
    elif stats.inferred_type == STRING and stats.string is not None and stats.string.categories:
        batch_total = column.types.present
        if batch_total == 0:
            return None
        baseline_counts = {c.value: c.count for c in stats.string.categories}
        result.drift = categorical_distance(
            baseline_counts, column.categories, method, batch_total=batch_total
        )
        result.drift_threshold = distribution.categorical_threshold
        result.drift_kind = "categorical"
    else:
        return None
    assert result.drift is not None and result.drift_threshold is not None
    if result.drift.value > result.drift_threshold:
        what = "CDFs" if result.drift_kind == "numeric" else "category frequencies"
        return Violation(
            name,
            BASELINE_DRIFT_CHECK,
            f"Baseline drift distance: {_figure(result.drift.value)} exceeds threshold: "
            f"{_figure(result.drift_threshold)} for feature '{name}' ({method} L-infinity "
            f"distance between the baseline's and the batch's {what}).",
        )
    return None


def _numbers_are_text(constraint: FeatureConstraints, stats: FeatureStatistics | None) -> bool:
    """Did the baseline's String column itself hold number-like values?"""
    values: list[str] = list(constraint.domains or [])
    if stats is not None and stats.string is not None and stats.string.categories:
        values.extend(c.value for c in stats.string.categories)
    return any(looks_like_number(value) for value in values)


def _completeness_tolerance(required: float, batch_rows: int, baseline_rows: int) -> float:
    if required >= 1.0 or batch_rows == 0:
        return 0.0
    variance = required * (1.0 - required) / batch_rows
    if baseline_rows:
        variance += required * (1.0 - required) / baseline_rows
    return COMPLETENESS_Z * math.sqrt(variance)


def _type_detail(column: ColumnProfile) -> str:
    counts = column.types
    parts = [
        f"{count} {label}"
        for label, count in (
            ("Integral", counts.integral),
            ("Fractional", counts.fractional),
            ("String", counts.text),
        )
        if count
    ]
    return ", ".join(parts) + f" of {counts.present} present values"


def _names(names: list[str]) -> str:
    return ", ".join(f"'{name}'" for name in names)


def _percent(share: float, versus: float | None = None) -> str:
    """A share as a percentage with enough digits to differ from `versus` when it does."""
    for digits in range(1, 7):
        text = f"{share * 100:.{digits}f}"
        if versus is None or share == versus or text != f"{versus * 100:.{digits}f}":
            return text + "%"
    return f"{share * 100:.6f}%"


def _figure(value: float) -> str:
    return f"{value:.4g}"
