"""SageMaker-shaped ARNs for batchops's own records, in the settings' pseudo-account.

An execution's ARN ends with its batchops id, so either names it: code written for SageMaker
passes ARNs around, and batchops's commands take ids. Job names are derived from the
execution and step, so a job's ARN leads back to the step that ran it.
"""

from __future__ import annotations

import re

from batchops.errors import InvalidInput
from batchops.settings import sagemaker_account

JOB_NAME_LIMIT = 63
"""SageMaker's longest processing, training or transform job name."""


def arn(resource: str, service: str = "sagemaker", *, regional: bool = True) -> str:
    """`arn:aws:<service>:<region>:<account>:<resource>` (no region for a global service)."""
    account = sagemaker_account()
    region = account.region if regional else ""
    return f"arn:aws:{service}:{region}:{account.account_id}:{resource}"


def pipeline_arn(pipeline: str) -> str:
    return arn(f"pipeline/{pipeline.lower()}")


def execution_arn(pipeline: str, execution_id: str) -> str:
    return f"{pipeline_arn(pipeline)}/execution/{execution_id}"


def execution_id_of(arn_or_id: str) -> str:
    """The batchops execution id an execution ARN ends with (an id is returned as it is)."""
    text = str(arn_or_id).strip()
    if not text.startswith("arn:"):
        return text
    fields = text.split(":", 5)
    parts = fields[5].split("/") if len(fields) == 6 else []
    if len(parts) != 4 or parts[0] != "pipeline" or parts[2] != "execution" or not parts[3]:
        raise InvalidInput(
            f"{text!r} is not a pipeline execution ARN "
            "(arn:aws:sagemaker:<region>:<account>:pipeline/<name>/execution/<id>)"
        )
    return parts[3]


def job_name(execution_id: str, step: str) -> str:
    """The name of the job a step ran, as SageMaker names pipeline jobs: `pipelines-<id>-<step>`."""
    slug = re.sub(r"[^a-z0-9-]+", "-", step.lower()).strip("-")
    return f"pipelines-{execution_id}-{slug}"[:JOB_NAME_LIMIT].rstrip("-")
