"""QualityCheckStep: baseline a dataset, or check it against a supplied baseline.

Mirrors SageMaker's `QualityCheckStep` with a `DataQualityCheckConfig` (data quality) or a
`ModelQualityCheckConfig` (model quality: predictions with their labels); the work is done by
`batchops.monitor`, which this step only wraps.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from batchops.pipeline.steps.base import Step, tuple_of
from batchops.pipeline.steps.types import StepType


@dataclass(frozen=True)
class DatasetFormat:
    """How the dataset is laid out; only CSV is read by the data-quality checks today."""

    kind: str = "csv"
    header: bool | None = None

    @classmethod
    def csv(cls, header: bool | None = None) -> DatasetFormat:
        return cls("csv", header)

    @property
    def csv_header(self) -> bool | None:
        """Whether the CSV has a header line (None: find out); None for other layouts."""
        return self.header if self.kind == "csv" else None

    def to_json(self) -> dict[str, Any]:
        return {self.kind: {"header": self.header}}

    @classmethod
    def from_json(cls, data: Mapping[str, Any] | None) -> DatasetFormat:
        if not data:
            return cls()
        kind = "csv" if "csv" in data else next(iter(data))
        return cls(kind, (data[kind] or {}).get("header"))


@dataclass(frozen=True)
class DataQualityCheckConfig:
    baseline_dataset: Any
    dataset_format: DatasetFormat = field(default_factory=DatasetFormat.csv)
    ignore_columns: tuple[str, ...] = ()


BINARY_CLASSIFICATION = "BinaryClassification"
DATA_QUALITY = "DATA_QUALITY"
MODEL_QUALITY = "MODEL_QUALITY"


@dataclass(frozen=True)
class ModelQualityCheckConfig:
    """SageMaker's names: the dataset holds predictions and, unless the labels came later
    through `batchops ground-truth add`, their labels.

    `problem_type` is `Regression`, `BinaryClassification` or `MulticlassClassification`.
    `baseline_dataset` is a CSV/Parquet file or folder with the label column
    (`ground_truth_attribute`) and the model's output: a probability (`probability_attribute`,
    else `inference_attribute`) for binary, the predicted value (`inference_attribute`) for
    regression, the predicted class (`inference_attribute`) and/or the prefix of one
    probability column per class (`probability_attribute`) for multiclass. Without
    `ground_truth_attribute` it is a traced transform's output folder, joined by inference id
    with the labels recorded so far. `probability_threshold_attribute` is the probability
    above which a binary row is positive.
    """

    baseline_dataset: Any
    problem_type: str = BINARY_CLASSIFICATION
    dataset_format: DatasetFormat = field(default_factory=lambda: DatasetFormat.csv(True))
    inference_attribute: Any = None
    probability_attribute: Any = None
    ground_truth_attribute: Any = None
    probability_threshold_attribute: Any = 0.5

    def to_json(self) -> dict[str, Any]:
        data = {
            "ProblemType": self.problem_type,
            "InferenceAttribute": self.inference_attribute,
            "ProbabilityAttribute": self.probability_attribute,
            "GroundTruthAttribute": self.ground_truth_attribute,
            "ProbabilityThresholdAttribute": self.probability_threshold_attribute,
        }
        return {key: value for key, value in data.items() if value is not None}

    @classmethod
    def from_json(
        cls, baseline_dataset: Any, dataset_format: DatasetFormat, data: Mapping[str, Any]
    ) -> ModelQualityCheckConfig:
        return cls(
            baseline_dataset,
            data.get("ProblemType", BINARY_CLASSIFICATION),
            dataset_format,
            data.get("InferenceAttribute"),
            data.get("ProbabilityAttribute"),
            data.get("GroundTruthAttribute"),
            data.get("ProbabilityThresholdAttribute", 0.5),
        )


@dataclass(frozen=True)
class QualityCheckArguments:
    """Baseline `baseline_dataset` (`skip_check`), or check it against the supplied baseline."""

    baseline_dataset: Any
    dataset_format: DatasetFormat = field(default_factory=DatasetFormat)
    ignore_columns: tuple[str, ...] = ()
    skip_check: Any = True
    register_new_baseline: Any = True
    fail_on_violation: Any = True
    supplied_baseline_statistics: Any = None
    supplied_baseline_constraints: Any = None
    model_package_group_name: Any = None
    check_type: str = DATA_QUALITY
    dask: str | None = None
    """A Dask scheduler's address (or `local`) to profile on; stored only when set."""
    model_quality: ModelQualityCheckConfig | None = None
    """The model-quality job's attributes (check type MODEL_QUALITY); stored only when set."""
    output_uri: Any = None
    """A shared destination the results are copied to as well (SageMaker's `output_s3_uri`);
    stored only when set."""

    def to_json(self) -> dict[str, Any]:
        data = {
            "CheckType": self.check_type,
            "BaselineDataset": self.baseline_dataset,
            "DatasetFormat": self.dataset_format.to_json(),
            "IgnoreColumns": list(self.ignore_columns),
            "SkipCheck": self.skip_check,
            "RegisterNewBaseline": self.register_new_baseline,
            "FailOnViolation": self.fail_on_violation,
            "SuppliedBaselineStatistics": self.supplied_baseline_statistics,
            "SuppliedBaselineConstraints": self.supplied_baseline_constraints,
            "ModelPackageGroupName": self.model_package_group_name,
        }
        if self.dask is not None:
            data["Dask"] = self.dask
        if self.model_quality is not None:
            data["ModelQualityConfig"] = self.model_quality.to_json()
        if self.output_uri is not None:
            data["OutputS3Uri"] = self.output_uri
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> QualityCheckArguments:
        dataset_format = DatasetFormat.from_json(data.get("DatasetFormat"))
        model_quality = (
            ModelQualityCheckConfig.from_json(
                data["BaselineDataset"], dataset_format, data["ModelQualityConfig"]
            )
            if data.get("ModelQualityConfig") is not None
            else None
        )
        return cls(
            baseline_dataset=data["BaselineDataset"],
            dataset_format=dataset_format,
            ignore_columns=tuple_of(data.get("IgnoreColumns")),
            skip_check=data.get("SkipCheck", True),
            register_new_baseline=data.get("RegisterNewBaseline", True),
            fail_on_violation=data.get("FailOnViolation", True),
            supplied_baseline_statistics=data.get("SuppliedBaselineStatistics"),
            supplied_baseline_constraints=data.get("SuppliedBaselineConstraints"),
            model_package_group_name=data.get("ModelPackageGroupName"),
            check_type=data.get("CheckType", DATA_QUALITY),
            dask=data.get("Dask"),
            model_quality=model_quality,
            output_uri=data.get("OutputS3Uri"),
        )


class QualityCheckStep(Step):
    step_type = StepType.QUALITY_CHECK

    def __init__(
        self,
        name: str,
        *,
        quality_check_config: DataQualityCheckConfig | ModelQualityCheckConfig,
        skip_check: Any = True,
        register_new_baseline: Any = True,
        fail_on_violation: Any = True,
        supplied_baseline_statistics: Any = None,
        supplied_baseline_constraints: Any = None,
        model_package_group_name: Any = None,
        dask: str | None = None,
        output_uri: Any = None,
        **common: Any,
    ) -> None:
        super().__init__(name, **common)
        self.config = quality_check_config
        self.output_uri = output_uri
        self.skip_check = skip_check
        self.register_new_baseline = register_new_baseline
        self.fail_on_violation = fail_on_violation
        self.supplied_baseline_statistics = supplied_baseline_statistics
        self.supplied_baseline_constraints = supplied_baseline_constraints
        self.model_package_group_name = model_package_group_name
        self.dask = dask

    def arguments(self) -> QualityCheckArguments:
        config = self.config
        model_quality = config if isinstance(config, ModelQualityCheckConfig) else None
        ignore = () if isinstance(config, ModelQualityCheckConfig) else config.ignore_columns
        return QualityCheckArguments(
            baseline_dataset=config.baseline_dataset,
            dataset_format=config.dataset_format,
            ignore_columns=tuple(ignore),
            skip_check=self.skip_check,
            register_new_baseline=self.register_new_baseline,
            fail_on_violation=self.fail_on_violation,
            supplied_baseline_statistics=self.supplied_baseline_statistics,
            supplied_baseline_constraints=self.supplied_baseline_constraints,
            model_package_group_name=self.model_package_group_name,
            check_type=MODEL_QUALITY if model_quality else DATA_QUALITY,
            dask=self.dask,
            model_quality=model_quality,
            output_uri=self.output_uri,
        )
