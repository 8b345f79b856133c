"""The SDK's job inputs: `TrainingInput`, `TransformInput`, `CreateModelInput`,
`BatchDataCaptureConfig`."""

from __future__ import annotations

from typing import Any

from batchops.sagemaker._unsupported import refuse


class TrainingInput:
    """A training channel's data (`s3_data`) and its `content_type`."""

    def __init__(
        self,
        s3_data: Any,
        distribution: str | None = None,
        compression: str | None = None,
        content_type: Any = None,
        record_wrapping: str | None = None,
        s3_data_type: str = "S3Prefix",
        instance_groups: list[str] | None = None,
        input_mode: str | None = None,
        attribute_names: list[str] | None = None,
        target_attribute_name: str | None = None,
        shuffle_config: Any = None,
    ) -> None:
        if record_wrapping is not None:
            refuse(f"TrainingInput(record_wrapping={record_wrapping!r})", "channels are files")
        if s3_data_type != "S3Prefix":
            refuse(f"TrainingInput(s3_data_type={s3_data_type!r})", "channels are S3Prefix")
        if attribute_names is not None or target_attribute_name is not None:
            refuse("TrainingInput(attribute_names=..., target_attribute_name=...)")
        self.s3_data = s3_data
        self.distribution = distribution
        self.compression = compression
        self.content_type = content_type
        self.s3_data_type = s3_data_type
        self.input_mode = input_mode
        self.instance_groups = instance_groups
        self.shuffle_config = shuffle_config


class TransformInput:
    """A transform's input and its data processing (the SDK's attrs class)."""

    def __init__(
        self,
        data: Any,
        data_type: str = "S3Prefix",
        content_type: Any = None,
        compression_type: Any = None,
        split_type: Any = None,
        input_filter: Any = None,
        output_filter: Any = None,
        join_source: Any = None,
        model_client_config: Any = None,
        batch_data_capture_config: Any = None,
    ) -> None:
        self.data = data
        self.data_type = data_type
        self.content_type = content_type
        self.compression_type = compression_type
        self.split_type = split_type
        self.input_filter = input_filter
        self.output_filter = output_filter
        self.join_source = join_source
        self.model_client_config = model_client_config
        self.batch_data_capture_config = batch_data_capture_config


class CreateModelInput:
    """The legacy CreateModelStep's inputs: instance and accelerator types (ignored)."""

    def __init__(self, instance_type: Any = None, accelerator_type: Any = None) -> None:
        self.instance_type = instance_type
        self.accelerator_type = accelerator_type


class BatchDataCaptureConfig:
    """Where a transform would capture its data (accepted and ignored)."""

    def __init__(
        self,
        destination_s3_uri: Any,
        kms_key_id: Any = None,
        generate_inference_id: Any = None,
    ) -> None:
        self.destination_s3_uri = destination_s3_uri
        self.kms_key_id = kms_key_id
        self.generate_inference_id = generate_inference_id
