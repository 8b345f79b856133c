"""`QualityCheckStep` with `DataQualityCheckConfig` or `ModelQualityCheckConfig`, with the
SDK's defaults (`skip_check=False`, `register_new_baseline=False`, `fail_on_violation=True`).

It baselines `baseline_dataset` and, unless `skip_check`, checks it against the supplied
baseline (or the model package group's latest approved one); its properties are the SDK's
four (`CalculatedBaseline*`, `BaselineUsedForDriftCheck*`). Scripts that would change the
result (a record preprocessor, a post-analytics processor) are refused.
"""

from __future__ import annotations

import json
from typing import Any

from batchops.errors import InvalidInput
from batchops.pipeline.steps import quality_check as _quality
from batchops.pipeline.steps.base import CacheConfig
from batchops.pipeline.steps.base import Step as BatchopsStep
from batchops.sagemaker._jobs import without_none
from batchops.sagemaker._unsupported import refuse
from batchops.sagemaker.workflow._compile import Compilation
from batchops.sagemaker.workflow.check_job_config import CheckJobConfig
from batchops.sagemaker.workflow.steps import Step, StepTypeEnum

DATASET_INPUT = "/opt/ml/processing/input/baseline_dataset_input"
RESULTS = "/opt/ml/processing/output"


class QualityCheckConfig:
    """What to baseline (`baseline_dataset` in `dataset_format`) and where results go."""

    def __init__(
        self,
        baseline_dataset: Any,
        dataset_format: dict[str, Any],
        *,
        output_s3_uri: Any = None,
        post_analytics_processor_script: str | None = None,
    ) -> None:
        if post_analytics_processor_script is not None:
            refuse(
                "post_analytics_processor_script",
                "it would change the check's results; batchops runs its own analysis only",
            )
        self.baseline_dataset = baseline_dataset
        self.dataset_format = dataset_format
        self.output_s3_uri = output_s3_uri

    def batchops_format(self) -> _quality.DatasetFormat:
        """The SDK's `{"csv": {"header": ..., "output_columns_position": ...}}` as batchops's."""
        if not isinstance(self.dataset_format, dict) or len(self.dataset_format) != 1:
            raise InvalidInput(
                f"dataset_format {self.dataset_format!r}: use DatasetFormat.csv(), .json() "
                "or .parquet()"
            )
        kind, options = next(iter(self.dataset_format.items()))
        options = dict(options or {})
        if options.get("output_columns_position", "START") != "START":
            refuse(
                "DatasetFormat.csv(output_columns_position='END')",
                "batchops reads the output columns first (START)",
            )
        return _quality.DatasetFormat(kind, options.get("header") if kind == "csv" else None)


class DataQualityCheckConfig(QualityCheckConfig):
    def __init__(
        self,
        baseline_dataset: Any,
        dataset_format: dict[str, Any],
        *,
        output_s3_uri: Any = None,
        post_analytics_processor_script: str | None = None,
        record_preprocessor_script: str | None = None,
    ) -> None:
        if record_preprocessor_script is not None:
            refuse(
                "record_preprocessor_script",
                "it would change the records the check reads; prepare the data in a "
                "ProcessingStep instead",
            )
        super().__init__(
            baseline_dataset,
            dataset_format,
            output_s3_uri=output_s3_uri,
            post_analytics_processor_script=post_analytics_processor_script,
        )


class ModelQualityCheckConfig(QualityCheckConfig):
    def __init__(
        self,
        baseline_dataset: Any,
        dataset_format: dict[str, Any],
        *,
        problem_type: Any,
        output_s3_uri: Any = None,
        post_analytics_processor_script: str | None = None,
        inference_attribute: Any = None,
        probability_attribute: Any = None,
        ground_truth_attribute: Any = None,
        probability_threshold_attribute: Any = None,
    ) -> None:
        super().__init__(
            baseline_dataset,
            dataset_format,
            output_s3_uri=output_s3_uri,
            post_analytics_processor_script=post_analytics_processor_script,
        )
        self.problem_type = problem_type
        self.inference_attribute = inference_attribute
        self.probability_attribute = probability_attribute
        self.ground_truth_attribute = ground_truth_attribute
        self.probability_threshold_attribute = probability_threshold_attribute


class QualityCheckStep(Step):
    step_type = StepTypeEnum.QUALITY_CHECK

    def __init__(
        self,
        name: str,
        quality_check_config: QualityCheckConfig,
        check_job_config: CheckJobConfig,
        skip_check: Any = False,
        fail_on_violation: Any = True,
        register_new_baseline: Any = False,
        model_package_group_name: Any = None,
        supplied_baseline_statistics: Any = None,
        supplied_baseline_constraints: Any = None,
        display_name: str | None = None,
        description: str | None = None,
        cache_config: CacheConfig | None = None,
        depends_on: list[Any] | None = None,
    ) -> None:
        super().__init__(name, display_name, description, depends_on)
        if not isinstance(quality_check_config, QualityCheckConfig):
            raise InvalidInput(
                f"{name}: quality_check_config must be a DataQualityCheckConfig or a "
                "ModelQualityCheckConfig"
            )
        if not isinstance(check_job_config, CheckJobConfig):
            raise InvalidInput(f"{name}: check_job_config must be a CheckJobConfig")
        self.quality_check_config = quality_check_config
        self.check_job_config = check_job_config
        self.skip_check = skip_check
        self.fail_on_violation = fail_on_violation
        self.register_new_baseline = register_new_baseline
        self.model_package_group_name = model_package_group_name
        self.supplied_baseline_statistics = supplied_baseline_statistics
        self.supplied_baseline_constraints = supplied_baseline_constraints
        self.cache_config = cache_config

    def _compile(self, compilation: Compilation) -> BatchopsStep:
        config = self.quality_check_config
        dataset_format = config.batchops_format()
        batchops_config: _quality.DataQualityCheckConfig | _quality.ModelQualityCheckConfig
        if isinstance(config, ModelQualityCheckConfig):
            batchops_config = _quality.ModelQualityCheckConfig(
                config.baseline_dataset,
                config.problem_type,
                dataset_format,
                config.inference_attribute,
                config.probability_attribute,
                config.ground_truth_attribute,
                config.probability_threshold_attribute
                if config.probability_threshold_attribute is not None
                else 0.5,
            )
        else:
            batchops_config = _quality.DataQualityCheckConfig(
                config.baseline_dataset, dataset_format
            )
        return _quality.QualityCheckStep(
            self.name,
            quality_check_config=batchops_config,
            skip_check=self.skip_check,
            register_new_baseline=self.register_new_baseline,
            fail_on_violation=self.fail_on_violation,
            supplied_baseline_statistics=self.supplied_baseline_statistics,
            supplied_baseline_constraints=self.supplied_baseline_constraints,
            model_package_group_name=self.model_package_group_name,
            output_uri=config.output_s3_uri,
            **self._common(compilation, cache_config=self.cache_config),
        )

    def _request(self) -> dict[str, Any]:
        output = {
            "OutputName": "quality_check_output",
            "AppManaged": False,
            "S3Output": without_none(
                {
                    "S3Uri": self.quality_check_config.output_s3_uri,
                    "LocalPath": RESULTS,
                    "S3UploadMode": "EndOfJob",
                }
            ),
        }
        environment = {
            "dataset_format": json.dumps(self.quality_check_config.dataset_format),
            "dataset_source": DATASET_INPUT,
            "output_path": RESULTS,
            "publish_cloudwatch_metrics": "Disabled",
        }
        return {
            **self.check_job_config.request(),
            "ProcessingOutputConfig": {"Outputs": [output]},
            "Environment": environment,
        }

    def _ignored(self) -> list[str]:
        return [*super()._ignored(), *self.check_job_config.ignored()]


__all__ = [
    "DataQualityCheckConfig",
    "ModelQualityCheckConfig",
    "QualityCheckConfig",
    "QualityCheckStep",
]
