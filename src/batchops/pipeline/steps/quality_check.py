"""QualityCheckStep: baseline a dataset, or check it against a supplied baseline.

Mirrors SageMaker's `QualityCheckStep` with a `DataQualityCheckConfig`; the work is done by
`batchops.monitor`, which this step only wraps.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from batchops.pipeline.steps.base import Step


@dataclass(frozen=True)
class DatasetFormat:
    """How the dataset is laid out; only CSV is read by the data-quality checks today."""

    kind: str = "csv"
    header: bool | None = None

    @classmethod
    def csv(cls, header: bool | None = None) -> DatasetFormat:
        return cls("csv", header)

    def to_json(self) -> dict[str, Any]:
        return {self.kind: {"header": self.header}}


@dataclass(frozen=True)
class DataQualityCheckConfig:
    baseline_dataset: Any
    dataset_format: DatasetFormat = field(default_factory=DatasetFormat.csv)
    ignore_columns: tuple[str, ...] = ()


class QualityCheckStep(Step):
    step_type = "QualityCheck"

    def __init__(
        self,
        name: str,
        *,
        quality_check_config: DataQualityCheckConfig,
        skip_check: Any = True,
        register_new_baseline: Any = True,
        fail_on_violation: Any = True,
        supplied_baseline_statistics: Any = None,
        supplied_baseline_constraints: Any = None,
        model_package_group_name: Any = None,
        **common: Any,
    ) -> None:
        super().__init__(name, **common)
        self.config = quality_check_config
        self.skip_check = skip_check
        self.register_new_baseline = register_new_baseline
        self.fail_on_violation = fail_on_violation
        self.supplied_baseline_statistics = supplied_baseline_statistics
        self.supplied_baseline_constraints = supplied_baseline_constraints
        self.model_package_group_name = model_package_group_name

    def arguments(self) -> dict[str, Any]:
        return {
            "CheckType": "DATA_QUALITY",
            "BaselineDataset": self.config.baseline_dataset,
            "DatasetFormat": self.config.dataset_format.to_json(),
            "IgnoreColumns": list(self.config.ignore_columns),
            "SkipCheck": self.skip_check,
            "RegisterNewBaseline": self.register_new_baseline,
            "FailOnViolation": self.fail_on_violation,
            "SuppliedBaselineStatistics": self.supplied_baseline_statistics,
            "SuppliedBaselineConstraints": self.supplied_baseline_constraints,
            "ModelPackageGroupName": self.model_package_group_name,
        }
