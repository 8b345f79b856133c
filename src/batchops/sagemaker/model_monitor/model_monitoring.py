"""Model Monitor's jobs: `MonitoringExecution.from_processing_arn(...)` reads a check step's
results (its violations and statistics), as notebooks' last cells do. Monitoring schedules are
not supported (batchops monitors in pipeline steps, on its own schedules)."""

from __future__ import annotations

import json
from typing import Any

from batchops.sagemaker._unsupported import unsupported
from batchops.store import artifacts

_SCHEDULES = (
    "batchops monitors batches in pipelines (QualityCheckStep, MonitorBatchTransformStep) and "
    "on its own schedules (batchops schedule create), not with endpoint monitoring schedules"
)

ModelMonitor = unsupported("ModelMonitor", __name__, _SCHEDULES)
DefaultModelMonitor = unsupported("DefaultModelMonitor", __name__, _SCHEDULES)
ModelQualityMonitor = unsupported("ModelQualityMonitor", __name__, _SCHEDULES)
BaseliningJob = unsupported("BaseliningJob", __name__, _SCHEDULES)


class _JsonFile:
    """A result file of the job: `body_dict` is its content, `file_s3_uri` where it is."""

    def __init__(self, file_s3_uri: str) -> None:
        self.file_s3_uri = artifacts.sdk_s3_spelling(file_s3_uri)
        self.body_dict: dict[str, Any] = json.loads(artifacts.read_text(file_s3_uri))


class ConstraintViolations(_JsonFile):
    pass


class Statistics(_JsonFile):
    pass


class Constraints(_JsonFile):
    pass


class MonitoringExecution:
    """A check step's job, found by its processing-job ARN."""

    def __init__(self, job_name: str, processing_job_arn: str, output_uri: str) -> None:
        self.job_name = job_name
        self.processing_job_arn = processing_job_arn
        self.output_uri = output_uri

    @classmethod
    def from_processing_arn(
        cls, sagemaker_session: Any = None, processing_job_arn: str = ""
    ) -> MonitoringExecution:
        from batchops.errors import NotFound
        from batchops.sagemaker.workflow._execution import job_step

        _execution_id, step = job_step("processing-job", processing_job_arn)
        outputs = step.get("outputs") or {}
        output = outputs.get("check") or outputs.get("baseline") or outputs.get("monitoring")
        if not output:
            raise NotFound(f"the job {processing_job_arn} wrote no results (it did not finish)")
        name = processing_job_arn.split(":", 5)[-1][len("processing-job/") :]
        return cls(name, processing_job_arn, str(output))

    def _file(self, file_name: str) -> str:
        return artifacts.join(self.output_uri, file_name)

    def constraint_violations(
        self, file_name: str = "constraint_violations.json", kms_key: Any = None
    ) -> ConstraintViolations:
        return ConstraintViolations(self._file(file_name))

    def statistics(self, file_name: str = "statistics.json", kms_key: Any = None) -> Statistics:
        return Statistics(self._file(file_name))

    def suggested_constraints(
        self, file_name: str = "constraints.json", kms_key: Any = None
    ) -> Constraints:
        return Constraints(self._file(file_name))

    def describe(self) -> dict[str, Any]:
        return {
            "ProcessingJobName": self.job_name,
            "ProcessingJobArn": self.processing_job_arn,
            "ProcessingJobStatus": "Completed",
            "ProcessingOutputConfig": {
                "Outputs": [
                    {
                        "OutputName": "monitoring_output",
                        "S3Output": {"S3Uri": artifacts.sdk_s3_spelling(self.output_uri)},
                    }
                ]
            },
        }


__all__ = [
    "BaseliningJob",
    "ConstraintViolations",
    "DefaultModelMonitor",
    "ModelMonitor",
    "ModelQualityMonitor",
    "MonitoringExecution",
    "Statistics",
]
