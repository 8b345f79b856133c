"""`statistics.json`: what a dataset looked like, in SageMaker Model Monitor's format.

Reads the files the service writes (2021 ones, and newer ones with `completeness` and
`approximate_num_distinct_values`) and writes every field they carry. Unknown fields are
ignored on reading, so files from newer service versions still load.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from batchops.monitor.formats import STATISTICS, Node, load_kind
from batchops.monitor.sketches import QuantileSketch
from batchops.monitor.types import NUMERIC, STRING, TYPES


@dataclass
class Bucket:
    lower_bound: float
    upper_bound: float
    count: float


@dataclass
class CategoryCount:
    value: str
    count: float


@dataclass
class NumericalStatistics:
    num_present: int
    num_missing: int
    mean: float
    sum: float
    std_dev: float
    min: float
    max: float
    buckets: list[Bucket]
    sketch: QuantileSketch | None
    approximate_num_distinct_values: int | None = None
    completeness: float | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "common": {"num_present": self.num_present, "num_missing": self.num_missing},
            "mean": self.mean,
            "sum": self.sum,
            "std_dev": self.std_dev,
            "min": self.min,
            "max": self.max,
        }
        if self.approximate_num_distinct_values is not None:
            out["approximate_num_distinct_values"] = self.approximate_num_distinct_values
        if self.completeness is not None:
            out["completeness"] = self.completeness
        kll: dict[str, Any] = {
            "buckets": [
                {"lower_bound": b.lower_bound, "upper_bound": b.upper_bound, "count": b.count}
                for b in self.buckets
            ]
        }
        if self.sketch is not None:
            kll["sketch"] = self.sketch.to_dict()
        out["distribution"] = {"kll": kll}
        return out

    @classmethod
    def from_node(cls, node: Node) -> NumericalStatistics:
        common = node.key("common")
        buckets: list[Bucket] = []
        sketch = None
        distribution = node.optional("distribution")
        kll = distribution.optional("kll") if distribution is not None else None
        if kll is not None:
            bucket_nodes = kll.optional("buckets")
            for bucket in bucket_nodes.items() if bucket_nodes is not None else ():
                buckets.append(
                    Bucket(
                        bucket.key("lower_bound").number(),
                        bucket.key("upper_bound").number(),
                        bucket.key("count").number(),
                    )
                )
            sketch_node = kll.optional("sketch")
            sketch = QuantileSketch.from_node(sketch_node) if sketch_node is not None else None
        distinct = node.optional("approximate_num_distinct_values")
        completeness = node.optional("completeness")
        return cls(
            num_present=common.key("num_present").count(),
            num_missing=common.key("num_missing").count(),
            mean=_number_or_zero(node, "mean"),
            sum=_number_or_zero(node, "sum"),
            std_dev=_number_or_zero(node, "std_dev"),
            min=_number_or_zero(node, "min"),
            max=_number_or_zero(node, "max"),
            buckets=buckets,
            sketch=sketch,
            approximate_num_distinct_values=distinct.count() if distinct is not None else None,
            completeness=completeness.number() if completeness is not None else None,
        )


def _number_or_zero(node: Node, key: str) -> float:
    child = node.optional(key)
    return child.number() if child is not None else 0.0


@dataclass
class StringStatistics:
    num_present: int
    num_missing: int
    distinct_count: float
    categories: list[CategoryCount] | None
    """None for columns with too many distinct values to list (the newer service leaves
    `distribution` out for them too)."""
    completeness: float | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "common": {"num_present": self.num_present, "num_missing": self.num_missing},
            "distinct_count": self.distinct_count,
        }
        if self.completeness is not None:
            out["completeness"] = self.completeness
        if self.categories is not None:
            out["distribution"] = {
                "categorical": {
                    "buckets": [{"value": c.value, "count": c.count} for c in self.categories]
                }
            }
        return out

    @classmethod
    def from_node(cls, node: Node) -> StringStatistics:
        common = node.key("common")
        categories = None
        distribution = node.optional("distribution")
        categorical = distribution.optional("categorical") if distribution is not None else None
        if categorical is not None:
            categories = [
                CategoryCount(_category_value(bucket.key("value")), bucket.key("count").number())
                for bucket in categorical.key("buckets").items()
            ]
        distinct = node.optional("distinct_count")
        completeness = node.optional("completeness")
        return cls(
            num_present=common.key("num_present").count(),
            num_missing=common.key("num_missing").count(),
            distinct_count=distinct.number() if distinct is not None else 0.0,
            categories=categories,
            completeness=completeness.number() if completeness is not None else None,
        )


def _category_value(node: Node) -> str:
    value = node.value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return node.string()


@dataclass
class FeatureStatistics:
    name: str
    inferred_type: str
    numerical: NumericalStatistics | None = None
    string: StringStatistics | None = None

    @property
    def num_present(self) -> int:
        part = self.numerical or self.string
        return part.num_present if part is not None else 0

    @property
    def num_missing(self) -> int:
        part = self.numerical or self.string
        return part.num_missing if part is not None else 0

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.name, "inferred_type": self.inferred_type}
        if self.numerical is not None:
            out["numerical_statistics"] = self.numerical.to_dict()
        if self.string is not None:
            out["string_statistics"] = self.string.to_dict()
        return out

    @classmethod
    def from_node(cls, node: Node) -> FeatureStatistics:
        name = node.key("name").string()
        inferred = node.key("inferred_type").choice(TYPES)
        numerical_node = node.optional("numerical_statistics")
        string_node = node.optional("string_statistics")
        if inferred in NUMERIC and numerical_node is None:
            raise node.error(f"feature '{name}' is {inferred} but has no numerical_statistics")
        if inferred == STRING and string_node is None:
            raise node.error(f"feature '{name}' is String but has no string_statistics")
        return cls(
            name=name,
            inferred_type=inferred,
            numerical=NumericalStatistics.from_node(numerical_node) if numerical_node else None,
            string=StringStatistics.from_node(string_node) if string_node else None,
        )


@dataclass
class DatasetStatistics:
    item_count: int
    features: list[FeatureStatistics] = field(default_factory=list)
    version: float = 0.0

    def feature(self, name: str) -> FeatureStatistics | None:
        for feature in self.features:
            if feature.name == name:
                return feature
        return None

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "dataset": {"item_count": self.item_count},
            "features": [feature.to_dict() for feature in self.features],
        }

    @classmethod
    def from_node(cls, node: Node) -> DatasetStatistics:
        version = node.optional("version")
        features = [FeatureStatistics.from_node(item) for item in node.key("features").items()]
        names = [feature.name for feature in features]
        duplicates = sorted({name for name in names if names.count(name) > 1})
        if duplicates:
            raise node.key("features").error(f"feature '{duplicates[0]}' is listed twice")
        return cls(
            item_count=node.key("dataset").key("item_count").count(),
            features=features,
            version=version.number() if version is not None else 0.0,
        )


def read_statistics(uri: str | Path) -> DatasetStatistics:
    return DatasetStatistics.from_node(load_kind(uri, STATISTICS))
