"""`Estimator`: a training job on an image; SageMaker's XGBoost image is batchops's built-in
XGBoost trainer, which takes the same hyperparameters."""

from __future__ import annotations

from typing import Any

from batchops.sagemaker._jobs import base_name_from_image, given, resources, without_none
from batchops.sagemaker._pipeline_session import runnable_by_pipeline
from batchops.sagemaker._unsupported import refuse
from batchops.sagemaker.session import Session, resolve_session

_IGNORED = {
    "role": None,
    "instance_count": None,
    "instance_type": None,
    "keep_alive_period_in_seconds": None,
    "volume_size": 30,
    "volume_kms_key": None,
    "max_run": 24 * 60 * 60,
    "input_mode": "File",
    "output_kms_key": None,
    "tags": None,
    "subnets": None,
    "security_group_ids": None,
    "metric_definitions": None,
    "encrypt_inter_container_traffic": False,
    "use_spot_instances": False,
    "max_wait": None,
    "checkpoint_s3_uri": None,
    "checkpoint_local_path": None,
    "enable_network_isolation": False,
    "rules": None,
    "debugger_hook_config": None,
    "tensorboard_output_config": None,
    "enable_sagemaker_metrics": None,
    "profiler_config": None,
    "disable_profiler": False,
    "environment": None,
    "max_retry_attempts": None,
    "instance_groups": None,
}

_REFUSED = ("entry_point", "source_dir", "git_config", "dependencies", "model_uri")
"""Arguments that change what is trained (script mode, warm starts): refused, never ignored."""


class Estimator:
    """A training job's settings; `fit()` under a PipelineSession gives a step's arguments."""

    def __init__(
        self,
        image_uri: Any,
        role: Any = None,
        instance_count: Any = None,
        instance_type: Any = None,
        keep_alive_period_in_seconds: Any = None,
        volume_size: Any = 30,
        volume_kms_key: Any = None,
        max_run: Any = 24 * 60 * 60,
        input_mode: Any = "File",
        output_path: Any = None,
        output_kms_key: Any = None,
        base_job_name: str | None = None,
        sagemaker_session: Session | None = None,
        hyperparameters: dict[str, Any] | None = None,
        tags: Any = None,
        subnets: Any = None,
        security_group_ids: Any = None,
        model_uri: Any = None,
        model_channel_name: str = "model",
        metric_definitions: Any = None,
        encrypt_inter_container_traffic: Any = False,
        use_spot_instances: Any = False,
        max_wait: Any = None,
        checkpoint_s3_uri: Any = None,
        checkpoint_local_path: Any = None,
        enable_network_isolation: Any = False,
        rules: Any = None,
        debugger_hook_config: Any = None,
        tensorboard_output_config: Any = None,
        enable_sagemaker_metrics: Any = None,
        profiler_config: Any = None,
        disable_profiler: Any = False,
        environment: dict[str, Any] | None = None,
        max_retry_attempts: Any = None,
        source_dir: Any = None,
        git_config: Any = None,
        container_log_level: Any = None,
        code_location: Any = None,
        entry_point: Any = None,
        dependencies: Any = None,
        instance_groups: Any = None,
        **kwargs: Any,
    ) -> None:
        settings = dict(locals())
        for name in _REFUSED:
            if settings[name]:
                refuse(
                    f"Estimator({name}=...)",
                    "batchops trains SageMaker's built-in XGBoost algorithm, without scripts",
                )
        self.image_uri = image_uri
        self.role = role
        self.instance_count = instance_count
        self.instance_type = instance_type
        self.volume_size = volume_size
        self.volume_kms_key = volume_kms_key
        self.max_run = max_run
        self.input_mode = input_mode
        self.output_path = output_path
        self.base_job_name = base_job_name
        self.sagemaker_session = sagemaker_session
        self.entry_point = entry_point
        self.source_dir = source_dir
        self._hyperparameters = dict(hyperparameters or {})
        self._ignored = given(settings, _IGNORED) + sorted(kwargs)

    def set_hyperparameters(self, **kwargs: Any) -> None:
        self._hyperparameters.update(kwargs)

    def hyperparameters(self) -> dict[str, Any]:
        return dict(self._hyperparameters)

    def training_image_uri(self) -> Any:
        return self.image_uri

    @runnable_by_pipeline
    def fit(
        self,
        inputs: Any = None,
        wait: bool = True,
        logs: str = "All",
        job_name: str | None = None,
        experiment_config: dict[str, Any] | None = None,
    ) -> Any:
        """The step's arguments: training on `inputs` (channel name -> TrainingInput or URI)."""

    def default_output_path(self) -> str:
        """Where the SDK puts model artifacts without `output_path`: the default bucket."""
        return f"s3://{resolve_session(self.sagemaker_session).default_bucket()}/"

    def base_name(self) -> str:
        return self.base_job_name or base_name_from_image(self.image_uri)

    def request(self) -> dict[str, Any]:
        """What SageMaker's CreateTrainingJob holds that batchops does not run on."""
        return without_none(
            {
                "AlgorithmSpecification": {
                    "TrainingImage": self.image_uri,
                    "TrainingInputMode": self.input_mode,
                },
                "ResourceConfig": resources(
                    self.instance_type, self.instance_count, self.volume_size, self.volume_kms_key
                ),
                "RoleArn": self.role,
                "StoppingCondition": {"MaxRuntimeInSeconds": self.max_run},
            }
        )

    def ignored(self) -> list[str]:
        return list(self._ignored)


EstimatorBase = Estimator

__all__ = ["Estimator", "EstimatorBase"]
