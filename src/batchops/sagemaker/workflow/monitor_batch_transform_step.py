"""`MonitorBatchTransformStep`: a transform and its data-quality check, as the steps
`<name>-transform` and `<name>-monitoring`, with the SDK's defaults: the check runs after
the transform (`monitor_before_transform=False`) and fails the step on violations."""

from __future__ import annotations

from typing import Any

from batchops.errors import InvalidInput
from batchops.sagemaker._unsupported import refuse
from batchops.sagemaker.workflow.check_job_config import CheckJobConfig
from batchops.sagemaker.workflow.pipeline_context import StepArguments
from batchops.sagemaker.workflow.quality_check_step import (
    DataQualityCheckConfig,
    QualityCheckConfig,
    QualityCheckStep,
)
from batchops.sagemaker.workflow.step_collections import StepCollection
from batchops.sagemaker.workflow.steps import TransformStep


class MonitorBatchTransformStep(StepCollection):
    def __init__(
        self,
        name: str,
        transform_step_args: StepArguments,
        monitor_configuration: QualityCheckConfig,
        check_job_configuration: CheckJobConfig,
        monitor_before_transform: bool = False,
        fail_on_violation: Any = True,
        supplied_baseline_statistics: Any = None,
        supplied_baseline_constraints: Any = None,
        display_name: str | None = None,
        description: str | None = None,
    ) -> None:
        if not isinstance(transform_step_args, StepArguments):
            raise InvalidInput(
                f"{name}: transform_step_args must come from transformer.transform()"
            )
        transform_step_args.require(("transform",), name)
        if not isinstance(monitor_configuration, QualityCheckConfig):
            refuse(
                f"{name}: a Clarify monitor_configuration",
                "batchops checks data quality (DataQualityCheckConfig)",
            )
        if monitor_before_transform and not isinstance(
            monitor_configuration, DataQualityCheckConfig
        ):
            raise InvalidInput(
                f"{name}: monitor_before_transform takes effect for a DataQualityCheckConfig only"
            )
        transform = TransformStep(
            f"{name}-transform",
            step_args=transform_step_args,
            display_name=f"{display_name}-transform" if display_name else None,
            description=description,
        )
        monitoring = QualityCheckStep(
            f"{name}-monitoring",
            quality_check_config=monitor_configuration,
            check_job_config=check_job_configuration,
            skip_check=False,
            fail_on_violation=fail_on_violation,
            supplied_baseline_statistics=supplied_baseline_statistics,
            supplied_baseline_constraints=supplied_baseline_constraints,
            display_name=f"{display_name}-monitoring" if display_name else None,
            description=description,
        )
        if monitor_before_transform:
            transform.add_depends_on([monitoring])
        else:
            monitoring.add_depends_on([transform])
        super().__init__(name, [transform, monitoring])
        self.display_name = display_name
        self.description = description


__all__ = ["MonitorBatchTransformStep"]
