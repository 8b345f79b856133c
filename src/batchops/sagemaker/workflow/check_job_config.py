"""`CheckJobConfig`: the processing job a check would run on; batchops checks on this machine,
so every setting is accepted and ignored."""

from __future__ import annotations

from typing import Any

from batchops.sagemaker._jobs import given, processing_request

_IGNORED = {
    "role": None,
    "instance_count": 1,
    "instance_type": "ml.m5.xlarge",
    "volume_size_in_gb": 30,
    "volume_kms_key": None,
    "output_kms_key": None,
    "max_runtime_in_seconds": None,
    "base_job_name": None,
    "env": None,
    "tags": None,
    "network_config": None,
}


class CheckJobConfig:
    def __init__(
        self,
        role: Any = None,
        instance_count: Any = 1,
        instance_type: Any = "ml.m5.xlarge",
        volume_size_in_gb: Any = 30,
        volume_kms_key: Any = None,
        output_kms_key: Any = None,
        max_runtime_in_seconds: Any = None,
        base_job_name: str | None = None,
        sagemaker_session: Any = None,
        env: dict[str, Any] | None = None,
        tags: Any = None,
        network_config: Any = None,
    ) -> None:
        self.role = role
        self.instance_count = instance_count
        self.instance_type = instance_type
        self.volume_size_in_gb = volume_size_in_gb
        self.volume_kms_key = volume_kms_key
        self.max_runtime_in_seconds = max_runtime_in_seconds
        self.network_config = network_config
        self.base_job_name = base_job_name
        self.sagemaker_session = sagemaker_session
        self._ignored = given(dict(locals()), _IGNORED)

    def request(self) -> dict[str, Any]:
        return processing_request(self)

    def ignored(self) -> list[str]:
        return list(self._ignored)


__all__ = ["CheckJobConfig"]
