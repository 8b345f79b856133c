"""`ModelStep`: what `model.create()` or `model.register()` gave, as the steps
`<name>-CreateModel` (a Model step) or `<name>-RegisterModel` (a new model version)."""

from __future__ import annotations

from typing import Any

from batchops.errors import InvalidInput
from batchops.pipeline.steps.base import Step as BatchopsStep
from batchops.pipeline.steps.register import (
    PENDING_MANUAL_APPROVAL,
    DriftCheckBaselines,
    ModelMetrics,
    RegisterModel,
)
from batchops.sagemaker._jobs import given
from batchops.sagemaker.model import Model
from batchops.sagemaker.model_metrics import Source
from batchops.sagemaker.workflow._compile import Compilation
from batchops.sagemaker.workflow.pipeline_context import PipelineSession, StepArguments
from batchops.sagemaker.workflow.step_collections import StepCollection
from batchops.sagemaker.workflow.steps import (
    ConfigurableRetryStep,
    CreateModelStep,
    StepTypeEnum,
)

REGISTER_IGNORED = {
    "inference_instances": None,
    "transform_instances": None,
    "metadata_properties": None,
    "marketplace_cert": False,
    "domain": None,
    "task": None,
    "sample_payload_url": None,
    "framework": None,
    "framework_version": None,
    "nearest_model_name": None,
    "data_input_configuration": None,
    "skip_model_validation": None,
    "source_uri": None,
    "model_card": None,
}


def _sources(sources: dict[str, Source | None]) -> dict[str, Any]:
    return {name: source.to_batchops() for name, source in sources.items() if source is not None}


class RegisterModelStep(ConfigurableRetryStep):
    """A new version of a model package group, from `model.register(...)`."""

    step_type = StepTypeEnum.REGISTER_MODEL

    def __init__(
        self,
        name: str,
        step_args: StepArguments,
        depends_on: list[Any] | None = None,
        retry_policies: Any = None,
        display_name: str | None = None,
        description: str | None = None,
    ) -> None:
        super().__init__(name, display_name, description, depends_on, retry_policies)
        self.model: Model = step_args.require(("register",), name).owner
        self.registration = dict(step_args.arguments)

    def _compile(self, compilation: Compilation) -> BatchopsStep:
        given_ = self.registration
        metrics = given_.get("model_metrics")
        drift = given_.get("drift_check_baselines")
        statistics = metrics.model_statistics if metrics is not None else None
        return RegisterModel(
            self.name,
            model_data=self.model.model_data,
            model_package_group_name=given_["model_package_group_name"],
            content_types=given_.get("content_types"),
            response_types=given_.get("response_types"),
            approval_status=given_.get("approval_status") or PENDING_MANUAL_APPROVAL,
            model_metrics=ModelMetrics(
                model_statistics=statistics.to_batchops() if statistics is not None else None,
                other_sources=_sources(metrics.other_sources()) if metrics is not None else {},
            ),
            drift_check_baselines=DriftCheckBaselines(
                model_data_statistics=_batchops(drift, "model_data_statistics"),
                model_data_constraints=_batchops(drift, "model_data_constraints"),
                other_sources=_sources(drift.other_sources()) if drift is not None else {},
            ),
            customer_metadata_properties=given_.get("customer_metadata_properties"),
            model_description=given_.get("description") or "",
            image_uri=given_.get("image_uri") or self.model.image_uri,
            **self._common(compilation),
        )

    def _request(self) -> dict[str, Any]:
        given_ = self.registration
        container = {"Image": given_.get("image_uri") or self.model.image_uri}
        if self.model.env:
            container["Environment"] = dict(self.model.env)
        inference = {
            "Containers": [container],
            "SupportedRealtimeInferenceInstanceTypes": given_.get("inference_instances"),
            "SupportedTransformInstanceTypes": given_.get("transform_instances"),
        }
        return {"InferenceSpecification": {k: v for k, v in inference.items() if v is not None}}

    def _ignored(self) -> list[str]:
        return [
            *super()._ignored(),
            *self.model.ignored(),
            *given(self.registration, REGISTER_IGNORED),
        ]


def _batchops(holder: Any, name: str) -> Any:
    source = getattr(holder, name, None) if holder is not None else None
    return source.to_batchops() if source is not None else None


class ModelStep(StepCollection):
    """`model.create()` or `model.register()` as a step (the model's session must be a
    PipelineSession, as in the SDK)."""

    def __init__(
        self,
        name: str,
        step_args: StepArguments,
        depends_on: list[Any] | None = None,
        retry_policies: Any = None,
        display_name: str | None = None,
        description: str | None = None,
        repack_model_step_settings: Any = None,
    ) -> None:
        if not isinstance(step_args, StepArguments):
            raise InvalidInput(f"{name}: step_args must be what model.create() or .register() gave")
        step_args.require(("create", "register"), name)
        if not isinstance(step_args.owner.sagemaker_session, PipelineSession):
            raise TypeError(
                f"{name}: to configure a ModelStep, the model's sagemaker_session must be a "
                "PipelineSession"
            )
        suffix = "CreateModel" if step_args.caller_name == "create" else "RegisterModel"
        shown = f"{display_name}-{suffix}" if display_name else None
        step: ConfigurableRetryStep
        if step_args.caller_name == "create":
            step = CreateModelStep(
                f"{name}-{suffix}",
                step_args=step_args,
                depends_on=depends_on,
                retry_policies=retry_policies,
                display_name=shown,
                description=description,
            )
        else:
            step = RegisterModelStep(
                f"{name}-{suffix}",
                step_args,
                depends_on=depends_on,
                retry_policies=retry_policies,
                display_name=shown,
                description=description,
            )
        super().__init__(name, [step], depends_on)
        self.display_name = display_name
        self.description = description


__all__ = ["ModelStep"]
