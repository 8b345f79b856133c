"""`Transformer`: a batch transform of a model by name; under a PipelineSession `transform()`
gives a TransformStep's arguments."""

from __future__ import annotations

from typing import Any

from batchops.sagemaker._jobs import given, without_none
from batchops.sagemaker._pipeline_session import runnable_by_pipeline
from batchops.sagemaker._unsupported import refuse
from batchops.sagemaker.session import Session

_IGNORED = {
    "instance_count": None,
    "instance_type": None,
    "strategy": None,
    "assemble_with": None,
    "output_kms_key": None,
    "max_concurrent_transforms": None,
    "max_payload": None,
    "tags": None,
    "env": None,
    "volume_kms_key": None,
}


class Transformer:
    def __init__(
        self,
        model_name: Any,
        instance_count: Any = None,
        instance_type: Any = None,
        strategy: Any = None,
        assemble_with: Any = None,
        output_path: Any = None,
        output_kms_key: Any = None,
        accept: Any = None,
        max_concurrent_transforms: Any = None,
        max_payload: Any = None,
        tags: Any = None,
        env: dict[str, Any] | None = None,
        base_transform_job_name: str | None = None,
        sagemaker_session: Session | None = None,
        volume_kms_key: Any = None,
    ) -> None:
        self.model_name = model_name
        self.instance_count = instance_count
        self.instance_type = instance_type
        self.strategy = strategy
        self.assemble_with = assemble_with
        self.output_path = output_path
        self.accept = accept
        self.max_concurrent_transforms = max_concurrent_transforms
        self.max_payload = max_payload
        self.env = env
        self.base_transform_job_name = base_transform_job_name
        self.sagemaker_session = sagemaker_session
        self._ignored = given(dict(locals()), _IGNORED)

    @runnable_by_pipeline
    def transform(
        self,
        data: Any,
        data_type: str = "S3Prefix",
        content_type: Any = None,
        compression_type: Any = None,
        split_type: Any = None,
        job_name: str | None = None,
        input_filter: Any = None,
        output_filter: Any = None,
        join_source: Any = None,
        experiment_config: dict[str, Any] | None = None,
        model_client_config: Any = None,
        batch_data_capture_config: Any = None,
        wait: bool = True,
        logs: bool = True,
    ) -> Any:
        """A TransformStep's arguments: scoring `data` with the model."""
        if data_type != "S3Prefix":
            refuse(f"Transformer.transform(data_type={data_type!r})", "input data is S3Prefix")

    def request(self) -> dict[str, Any]:
        """What SageMaker's CreateTransformJob holds that batchops does not run on."""
        resources = {"InstanceCount": self.instance_count, "InstanceType": self.instance_type}
        return without_none(
            {
                "TransformResources": without_none(resources),
                "TransformOutput": without_none({"AssembleWith": self.assemble_with}),
                "BatchStrategy": self.strategy,
                "MaxConcurrentTransforms": self.max_concurrent_transforms,
                "MaxPayloadInMB": self.max_payload,
                "Environment": self.env,
            }
        )

    def ignored(self) -> list[str]:
        return list(self._ignored)


__all__ = ["Transformer"]
