"""Processing jobs as the SDK configures them: `Processor`, `ScriptProcessor`, their inputs and
outputs. A processing step runs the job's Python script on this machine."""

from __future__ import annotations

from typing import Any

from batchops.errors import InvalidInput
from batchops.sagemaker._jobs import (
    base_name_from_image,
    given,
    name_from_base,
    processing_request,
)
from batchops.sagemaker._pipeline_session import runnable_by_pipeline
from batchops.sagemaker._unsupported import refuse
from batchops.sagemaker.session import Session, resolve_session


class ProcessingInput:
    """A file or folder (`source`: s3://, a local path or a step property) staged at
    `destination` below /opt/ml/processing."""

    def __init__(
        self,
        source: Any = None,
        destination: str | None = None,
        input_name: str | None = None,
        s3_data_type: str = "S3Prefix",
        s3_input_mode: str = "File",
        s3_data_distribution_type: str = "FullyReplicated",
        s3_compression_type: str = "None",
        s3_input: Any = None,
        dataset_definition: Any = None,
        app_managed: bool = False,
    ) -> None:
        if dataset_definition is not None or s3_input is not None:
            refuse("ProcessingInput(dataset_definition=..., s3_input=...)", "give source=")
        if s3_data_type != "S3Prefix":
            refuse(f"ProcessingInput(s3_data_type={s3_data_type!r})", "inputs are S3Prefix")
        if s3_input_mode != "File":
            refuse(f"ProcessingInput(s3_input_mode={s3_input_mode!r})", "inputs are files")
        self.source = source
        self.destination = destination
        self.input_name = input_name
        self.s3_data_type = s3_data_type
        self.s3_input_mode = s3_input_mode
        self.s3_data_distribution_type = s3_data_distribution_type
        self.s3_compression_type = s3_compression_type
        self.app_managed = app_managed


class ProcessingOutput:
    """A folder the script writes at `source` below /opt/ml/processing, published as the step's
    output `output_name`, and at `destination` too when one is given."""

    def __init__(
        self,
        source: str | None = None,
        destination: Any = None,
        output_name: str | None = None,
        s3_upload_mode: str = "EndOfJob",
        app_managed: bool = False,
        feature_store_output: Any = None,
    ) -> None:
        if feature_store_output is not None:
            refuse("ProcessingOutput(feature_store_output=...)", "outputs are folders")
        self.source = source
        self.destination = destination
        self.output_name = output_name
        self.s3_upload_mode = s3_upload_mode
        self.app_managed = app_managed


_IGNORED = {
    "role": None,
    "instance_count": None,
    "instance_type": None,
    "volume_size_in_gb": 30,
    "volume_kms_key": None,
    "output_kms_key": None,
    "max_runtime_in_seconds": None,
    "tags": None,
    "network_config": None,
}


class Processor:
    """A processing job's settings; `run()` under a PipelineSession gives a step's arguments."""

    def __init__(
        self,
        role: Any = None,
        image_uri: Any = None,
        instance_count: Any = None,
        instance_type: Any = None,
        entrypoint: list[str] | None = None,
        volume_size_in_gb: Any = 30,
        volume_kms_key: Any = None,
        output_kms_key: Any = None,
        max_runtime_in_seconds: Any = None,
        base_job_name: str | None = None,
        sagemaker_session: Session | None = None,
        env: dict[str, Any] | None = None,
        tags: Any = None,
        network_config: Any = None,
    ) -> None:
        self.role = role
        self.image_uri = image_uri
        self.instance_count = instance_count
        self.instance_type = instance_type
        self.entrypoint = entrypoint
        self.volume_size_in_gb = volume_size_in_gb
        self.volume_kms_key = volume_kms_key
        self.output_kms_key = output_kms_key
        self.max_runtime_in_seconds = max_runtime_in_seconds
        self.base_job_name = base_job_name
        self.sagemaker_session = sagemaker_session
        self.env = dict(env or {})
        self.tags = tags
        self.network_config = network_config
        self._ignored = given(vars(self), _IGNORED)

    @runnable_by_pipeline
    def run(
        self,
        inputs: list[ProcessingInput] | None = None,
        outputs: list[ProcessingOutput] | None = None,
        arguments: list[Any] | None = None,
        wait: bool = True,
        logs: bool = True,
        job_name: str | None = None,
        experiment_config: dict[str, Any] | None = None,
        kms_key: str | None = None,
    ) -> Any:
        """The job with the image's own program; batchops runs scripts, see ScriptProcessor."""

    def command(self) -> list[str]:
        """What the job runs before the script's path (`python3`)."""
        return list(self.entrypoint or [])

    def job_name(self) -> str:
        """`<base_job_name>-<timestamp>`, the base defaulting to the image's repository."""
        return name_from_base(self.base_job_name or base_name_from_image(self.image_uri))

    def default_bucket(self) -> str:
        return resolve_session(self.sagemaker_session).default_bucket()

    def request(self) -> dict[str, Any]:
        """What SageMaker's CreateProcessingJob holds that batchops does not run on."""
        return processing_request(self)

    def ignored(self) -> list[str]:
        return list(self._ignored)


class ScriptProcessor(Processor):
    """A script run with `command` (`["python3"]`) in the image named by `image_uri`."""

    def __init__(
        self,
        role: Any = None,
        image_uri: Any = None,
        command: list[str] | None = None,
        instance_count: Any = None,
        instance_type: Any = None,
        volume_size_in_gb: Any = 30,
        volume_kms_key: Any = None,
        output_kms_key: Any = None,
        max_runtime_in_seconds: Any = None,
        base_job_name: str | None = None,
        sagemaker_session: Session | None = None,
        env: dict[str, Any] | None = None,
        tags: Any = None,
        network_config: Any = None,
    ) -> None:
        super().__init__(
            role=role,
            image_uri=image_uri,
            instance_count=instance_count,
            instance_type=instance_type,
            entrypoint=None,
            volume_size_in_gb=volume_size_in_gb,
            volume_kms_key=volume_kms_key,
            output_kms_key=output_kms_key,
            max_runtime_in_seconds=max_runtime_in_seconds,
            base_job_name=base_job_name,
            sagemaker_session=sagemaker_session,
            env=env,
            tags=tags,
            network_config=network_config,
        )
        self._command = list(command or [])

    @runnable_by_pipeline
    def run(  # type: ignore[override]
        self,
        code: str,
        inputs: list[ProcessingInput] | None = None,
        outputs: list[ProcessingOutput] | None = None,
        arguments: list[Any] | None = None,
        wait: bool = True,
        logs: bool = True,
        job_name: str | None = None,
        experiment_config: dict[str, Any] | None = None,
        kms_key: str | None = None,
    ) -> Any:
        """The step's arguments: `code` run with `command`, its inputs, outputs and argv."""
        if not code:
            raise InvalidInput("ScriptProcessor.run needs code= (the script to run)")

    def command(self) -> list[str]:
        return list(self._command)
