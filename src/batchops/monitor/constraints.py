"""`constraints.json`: what a batch must satisfy, suggested from a baseline's statistics.

The suggestions follow what Model Monitor writes (and Deequ, which it runs, suggests): the
inferred type; the observed completeness; `is_non_negative` when the minimum is not below 0;
for a String column a domain of its values when it looks categorical (Deequ's rule: at most 10%
of its distinct values occur only once), left out for columns with too many values to list;
and the `monitoring_config` block with the values the service writes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from batchops.errors import InvalidInput
from batchops.monitor.formats import CONSTRAINTS, Node, load_kind
from batchops.monitor.statistics import DatasetStatistics
from batchops.monitor.types import NUMERIC, STRING, TYPES

ENABLED = "Enabled"
DISABLED = "Disabled"
SWITCH = (ENABLED, DISABLED)
SIMPLE = "Simple"
ROBUST = "Robust"
COMPARISON_METHODS = (SIMPLE, ROBUST)
LINFINITY = "LInfinity"
CHI_SQUARED = "ChiSquared"

DEFAULT_DRIFT_THRESHOLD = 0.1
"""A feature drifted when its distance from the baseline is above this, unless the
constraints say otherwise (`comparison_threshold`): what suggested constraints hold."""

UNIQUE_VALUE_RATIO_FOR_DOMAIN = 0.1
"""Deequ's CategoricalRangeRule: a domain is suggested when at most this share of the distinct
values occur only once."""


@dataclass(frozen=True)
class DistributionConstraints:
    perform_comparison: str = ENABLED
    comparison_threshold: float = DEFAULT_DRIFT_THRESHOLD
    comparison_method: str = ROBUST
    categorical_comparison_threshold: float | None = DEFAULT_DRIFT_THRESHOLD
    categorical_drift_method: str = LINFINITY
    """The only method supported (ChiSquared is refused when read); written for completeness."""

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "perform_comparison": self.perform_comparison,
            "comparison_threshold": self.comparison_threshold,
            "comparison_method": self.comparison_method,
        }
        if self.categorical_comparison_threshold is not None:
            out["categorical_comparison_threshold"] = self.categorical_comparison_threshold
        out["categorical_drift_method"] = self.categorical_drift_method
        return out

    @property
    def categorical_threshold(self) -> float:
        """Defaults to `comparison_threshold`, as documented."""
        if self.categorical_comparison_threshold is None:
            return self.comparison_threshold
        return self.categorical_comparison_threshold

    def overridden(self, node: Node) -> DistributionConstraints:
        changes: dict[str, Any] = {}
        if (child := node.optional("perform_comparison")) is not None:
            changes["perform_comparison"] = child.choice(SWITCH)
        if (child := node.optional("comparison_threshold")) is not None:
            changes["comparison_threshold"] = _threshold(child)
        if (child := _comparison_method_node(node)) is not None:
            changes["comparison_method"] = _comparison_method(child)
        if (child := node.optional("categorical_comparison_threshold")) is not None:
            changes["categorical_comparison_threshold"] = _threshold(child)
        if (child := node.optional("categorical_drift_method")) is not None:
            method = child.choice((LINFINITY, CHI_SQUARED))
            if method == CHI_SQUARED:
                raise child.error(
                    "categorical_drift_method ChiSquared is not supported; use LInfinity"
                )
            changes["categorical_drift_method"] = method
        return replace(self, **changes)


def _comparison_method_node(node: Node) -> Node | None:
    # The service's own documentation once spelled it "comparion_method"; accept both.
    return node.optional("comparison_method") or node.optional("comparion_method")


def _comparison_method(node: Node) -> str:
    text = node.string()
    aliases = {"linf_simple": SIMPLE, "linf_robust": ROBUST}
    text = aliases.get(text.lower(), text)
    if text not in COMPARISON_METHODS:
        raise node.error(f"expected Simple or Robust, got '{node.value}'")
    return text


def _threshold(node: Node) -> float:
    value = node.number()
    if value < 0:
        raise node.error(f"a threshold cannot be negative, got {value}")
    return value


@dataclass(frozen=True)
class MonitoringConfig:
    evaluate_constraints: str = ENABLED
    emit_metrics: str = ENABLED
    datatype_check_threshold: float = 1.0
    domain_content_threshold: float = 1.0
    distribution_constraints: DistributionConstraints = field(
        default_factory=DistributionConstraints
    )

    def to_dict(self) -> dict[str, Any]:
        return {
            "evaluate_constraints": self.evaluate_constraints,
            "emit_metrics": self.emit_metrics,
            "datatype_check_threshold": self.datatype_check_threshold,
            "domain_content_threshold": self.domain_content_threshold,
            "distribution_constraints": self.distribution_constraints.to_dict(),
        }

    def overridden(self, node: Node) -> MonitoringConfig:
        """This config with the keys present in `node` replaced (a whole block or an override)."""
        changes: dict[str, Any] = {}
        if (child := node.optional("evaluate_constraints")) is not None:
            changes["evaluate_constraints"] = child.choice(SWITCH)
        if (child := node.optional("emit_metrics")) is not None:
            changes["emit_metrics"] = child.choice(SWITCH)
        if (child := node.optional("datatype_check_threshold")) is not None:
            changes["datatype_check_threshold"] = _threshold(child)
        if (child := node.optional("domain_content_threshold")) is not None:
            changes["domain_content_threshold"] = _threshold(child)
        if (child := node.optional("distribution_constraints")) is not None:
            changes["distribution_constraints"] = self.distribution_constraints.overridden(child)
        return replace(self, **changes)


AS_READ = MonitoringConfig(
    distribution_constraints=DistributionConstraints(categorical_comparison_threshold=None)
)
"""What a file's `monitoring_config` starts from: the documented defaults. Both categorical
fields are optional there: without `categorical_drift_method` the LInfinity method is used,
and without `categorical_comparison_threshold` the `comparison_threshold` applies."""

_EMPTY = Node({}, "$.monitoring_config", "")


@dataclass
class FeatureConstraints:
    name: str
    inferred_type: str
    completeness: float | None = None
    is_non_negative: bool | None = None
    domains: list[str] | None = None
    overrides: dict[str, Any] | None = None
    """`monitoringConfigOverrides` as written; applied through `config_for`."""
    _override_node: Node | None = field(default=None, compare=False, repr=False)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.name, "inferred_type": self.inferred_type}
        if self.completeness is not None:
            out["completeness"] = self.completeness
        if self.is_non_negative is not None:
            out["num_constraints"] = {"is_non_negative": self.is_non_negative}
        if self.domains is not None:
            out["string_constraints"] = {"domains": list(self.domains)}
        if self.overrides:
            out["monitoringConfigOverrides"] = self.overrides
        return out

    @classmethod
    def from_node(cls, node: Node) -> FeatureConstraints:
        completeness = node.optional("completeness")
        if completeness is not None and not 0.0 <= completeness.number() <= 1.0:
            raise completeness.error(f"expected a share between 0 and 1, got {completeness.value}")
        num = node.optional("num_constraints")
        non_negative = num.optional("is_non_negative") if num is not None else None
        strings = node.optional("string_constraints")
        domains_node = strings.optional("domains") if strings is not None else None
        overrides = node.optional("monitoringConfigOverrides")
        if overrides is not None:
            MonitoringConfig().overridden(overrides)  # validate now, with its JSON path
        return cls(
            name=node.key("name").string(),
            inferred_type=node.key("inferred_type").choice(TYPES),
            completeness=completeness.number() if completeness is not None else None,
            is_non_negative=non_negative.boolean() if non_negative is not None else None,
            domains=(
                [_domain_value(item) for item in domains_node.items()]
                if domains_node is not None
                else None
            ),
            overrides=overrides.object() if overrides is not None else None,
            _override_node=overrides,
        )


def _domain_value(node: Node) -> str:
    if isinstance(node.value, int | float) and not isinstance(node.value, bool):
        return str(node.value)
    return node.string()


@dataclass
class Constraints:
    features: list[FeatureConstraints]
    monitoring_config: MonitoringConfig = field(default_factory=MonitoringConfig)
    version: float = 0.0

    def feature(self, name: str) -> FeatureConstraints | None:
        for feature in self.features:
            if feature.name == name:
                return feature
        return None

    def config_for(self, feature: FeatureConstraints) -> MonitoringConfig:
        if feature._override_node is None:
            return self.monitoring_config
        return self.monitoring_config.overridden(feature._override_node)

    @property
    def names(self) -> list[str]:
        return [feature.name for feature in self.features]

    def without(self, names: set[str]) -> Constraints:
        """These constraints minus the features named (columns a check was told to ignore)."""
        kept = [feature for feature in self.features if feature.name not in names]
        return replace(self, features=kept)

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "features": [feature.to_dict() for feature in self.features],
            "monitoring_config": self.monitoring_config.to_dict(),
        }

    @classmethod
    def from_node(cls, node: Node) -> Constraints:
        version = node.optional("version")
        features = [FeatureConstraints.from_node(item) for item in node.key("features").items()]
        seen: set[str] = set()
        for index, feature in enumerate(features):
            if feature.name in seen:
                raise node.key("features").error(
                    f"feature '{feature.name}' is listed twice (again at index {index})"
                )
            seen.add(feature.name)
        config = AS_READ.overridden(node.optional("monitoring_config") or _EMPTY)
        return cls(
            features=features,
            monitoring_config=config,
            version=version.number() if version is not None else 0.0,
        )


def read_constraints(uri: str | Path) -> Constraints:
    return Constraints.from_node(load_kind(uri, CONSTRAINTS))


def suggest_constraints(statistics: DatasetStatistics) -> Constraints:
    """The constraints Model Monitor would suggest for a dataset with these statistics."""
    features = []
    for stats in statistics.features:
        constraint = FeatureConstraints(name=stats.name, inferred_type=stats.inferred_type)
        total = stats.num_present + stats.num_missing
        constraint.completeness = stats.num_present / total if total else 0.0
        if stats.inferred_type in NUMERIC and stats.numerical is not None:
            constraint.is_non_negative = stats.numerical.min >= 0.0
        if stats.inferred_type == STRING and stats.string is not None:
            constraint.domains = _suggested_domain(stats.string.categories)
        features.append(constraint)
    return Constraints(features=features)


def _suggested_domain(categories: list[Any] | None) -> list[str] | None:
    if not categories:
        return None
    singletons = sum(1 for category in categories if category.count == 1)
    if singletons / len(categories) > UNIQUE_VALUE_RATIO_FOR_DOMAIN:
        return None
    return [category.value for category in categories]


_HEADERLESS_NAME = re.compile(r"_c\d+")


def looks_headerless(names: list[str]) -> bool:
    """Baselines of headerless data name their features `_c0`, `_c1`, ..."""
    return bool(names) and all(_HEADERLESS_NAME.fullmatch(name) for name in names)


def require_features(constraints: Constraints, source: str) -> None:
    if not constraints.features:
        raise InvalidInput(f"{source}: $.features: the constraints list no features")
