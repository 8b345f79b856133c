"""What the SDK's job objects share: job names, and the arguments batchops accepts and ignores.

batchops runs every job on this machine (or its Dask cluster), so instance types and counts,
volumes, KMS keys, roles, network and tags have no effect; they are accepted wherever the
SDK takes them (pipeline parameters included), kept for the SDK JSON, and named once per
pipeline in its log.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from batchops.sagemaker.image_uris import repository_and_tag

JOB_NAME_LIMIT = 63


def timestamp(moment: float | None = None) -> str:
    """`2024-05-06-12-34-56-789`: the SDK's job-name timestamp (UTC, milliseconds)."""
    moment = time.time() if moment is None else moment
    millis = int(moment * 1000) % 1000
    return f"{time.strftime('%Y-%m-%d-%H-%M-%S', time.gmtime(moment))}-{millis:03d}"


def name_from_base(base: str) -> str:
    """`<base>-<timestamp>`, the base shortened so the name fits a job name."""
    stamp = timestamp()
    return f"{base[: JOB_NAME_LIMIT - len(stamp) - 1]}-{stamp}"


def base_name_from_image(image_uri: Any, default: str = "job") -> str:
    """The image's repository name (`sagemaker-scikit-learn`), as the SDK names jobs."""
    if not isinstance(image_uri, str) or not image_uri:
        return default
    return repository_and_tag(image_uri)[0] or default


def resources(
    instance_type: Any, instance_count: Any, volume_size: Any, volume_kms_key: Any = None
) -> dict[str, Any]:
    """SageMaker's ClusterConfig of a job, as its JSON shows it."""
    config = {
        "InstanceType": instance_type,
        "InstanceCount": instance_count,
        "VolumeSizeInGB": volume_size,
        "VolumeKmsKeyId": volume_kms_key,
    }
    return {k: v for k, v in config.items() if v is not None}


def processing_request(job: Any) -> dict[str, Any]:
    """What SageMaker's CreateProcessingJob holds that batchops does not run on, for a job's
    settings (a Processor's, a CheckJobConfig's)."""
    stopping = {"MaxRuntimeInSeconds": job.max_runtime_in_seconds}
    return without_none(
        {
            "ProcessingResources": {
                "ClusterConfig": resources(
                    job.instance_type, job.instance_count, job.volume_size_in_gb, job.volume_kms_key
                )
            },
            "RoleArn": job.role,
            "StoppingCondition": without_none(stopping),
            "NetworkConfig": job.network_config,
        }
    )


def without_none(values: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in values.items() if v is not None and v != {}}


def given(values: Mapping[str, Any], defaults: Mapping[str, Any]) -> list[str]:
    """The names in `defaults` whose value in `values` was given: not None, not the default."""
    return [
        name
        for name, default in defaults.items()
        if values.get(name) is not None and values.get(name) != default
    ]
