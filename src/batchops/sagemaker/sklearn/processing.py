"""`SKLearnProcessor`: a script processor on SageMaker's scikit-learn image of a version."""

from __future__ import annotations

from typing import Any

from batchops.sagemaker import image_uris
from batchops.sagemaker.processing import ScriptProcessor
from batchops.sagemaker.session import Session, resolve_session


class SKLearnProcessor(ScriptProcessor):
    """`ScriptProcessor` with `sagemaker-scikit-learn:<framework_version>` and `python3`."""

    def __init__(
        self,
        framework_version: str,
        role: Any = None,
        instance_count: Any = None,
        instance_type: Any = None,
        command: list[str] | None = None,
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
        region = resolve_session(sagemaker_session).boto_region_name
        super().__init__(
            role=role,
            image_uri=image_uris.retrieve("sklearn", region, framework_version, py_version="py3"),
            command=command or ["python3"],
            instance_count=instance_count,
            instance_type=instance_type,
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
        self.framework_version = framework_version
