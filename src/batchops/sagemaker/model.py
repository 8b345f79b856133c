"""`Model`: an image with its model data; under a PipelineSession `create()` and `register()`
give a ModelStep's arguments (a Model step, or a new version in a model package group)."""

from __future__ import annotations

import logging
from typing import Any

from batchops.errors import InvalidInput
from batchops.sagemaker._jobs import given, without_none
from batchops.sagemaker._pipeline_session import runnable_by_pipeline
from batchops.sagemaker._unsupported import refuse
from batchops.sagemaker.session import Session

_IGNORED = {
    "role": None,
    "predictor_cls": None,
    "vpc_config": None,
    "enable_network_isolation": False,
    "model_kms_key": None,
    "image_config": None,
    "code_location": None,
    "container_log_level": logging.INFO,
    "resources": None,
}


class Model:
    def __init__(
        self,
        image_uri: Any,
        model_data: Any = None,
        role: Any = None,
        predictor_cls: Any = None,
        env: dict[str, Any] | None = None,
        name: str | None = None,
        vpc_config: Any = None,
        sagemaker_session: Session | None = None,
        enable_network_isolation: Any = False,
        model_kms_key: Any = None,
        image_config: Any = None,
        source_dir: Any = None,
        code_location: Any = None,
        entry_point: Any = None,
        container_log_level: Any = logging.INFO,
        dependencies: Any = None,
        git_config: Any = None,
        resources: Any = None,
    ) -> None:
        if entry_point or source_dir or dependencies or git_config:
            refuse(
                "Model(entry_point=..., source_dir=...)",
                "an inference script needs SageMaker's repack step; batchops scores the "
                "model data with its built-in loader",
            )
        self.image_uri = image_uri
        self.model_data = model_data
        self.role = role
        self.env = dict(env or {})
        self.name = name
        self.sagemaker_session = sagemaker_session
        self.entry_point = entry_point
        self.source_dir = source_dir
        self.dependencies = dependencies
        self._ignored = given(dict(locals()), _IGNORED)

    @runnable_by_pipeline
    def create(
        self,
        instance_type: Any = None,
        accelerator_type: Any = None,
        serverless_inference_config: Any = None,
        tags: Any = None,
        accept_eula: Any = None,
    ) -> Any:
        """A ModelStep's arguments: a Model step (its instance types are ignored)."""

    @runnable_by_pipeline
    def register(
        self,
        content_types: Any = None,
        response_types: Any = None,
        inference_instances: Any = None,
        transform_instances: Any = None,
        model_package_name: Any = None,
        model_package_group_name: Any = None,
        image_uri: Any = None,
        model_metrics: Any = None,
        metadata_properties: Any = None,
        marketplace_cert: bool = False,
        approval_status: Any = None,
        description: Any = None,
        drift_check_baselines: Any = None,
        customer_metadata_properties: dict[str, Any] | None = None,
        validation_specification: Any = None,
        domain: Any = None,
        task: Any = None,
        sample_payload_url: Any = None,
        framework: Any = None,
        framework_version: Any = None,
        nearest_model_name: Any = None,
        data_input_configuration: Any = None,
        skip_model_validation: Any = None,
        source_uri: Any = None,
        model_card: Any = None,
    ) -> Any:
        """A ModelStep's arguments: a new version of `model_package_group_name`."""
        if model_package_group_name is None:
            raise InvalidInput(
                "Model.register needs model_package_group_name: batchops registers versions "
                "of model package groups (unversioned packages by model_package_name are not "
                "supported)"
            )
        if validation_specification is not None:
            refuse("Model.register(validation_specification=...)")

    def deploy(self, *args: Any, **kwargs: Any) -> Any:
        refuse("Model.deploy (real-time endpoints)", "batchops scores in batch: TransformStep")

    def request(self) -> dict[str, Any]:
        """What SageMaker's CreateModel holds that batchops does not run on."""
        return without_none({"ExecutionRoleArn": self.role, "VpcConfig": None})

    def ignored(self) -> list[str]:
        return list(self._ignored)


__all__ = ["Model"]
