"""Model Monitor's schedules and jobs: importable; monitoring schedules are not supported
(batchops monitors in pipeline steps, on its own schedules)."""

from __future__ import annotations

from batchops.sagemaker._unsupported import unsupported

_SCHEDULES = (
    "batchops monitors batches in pipelines (QualityCheckStep, MonitorBatchTransformStep) and "
    "on its own schedules (batchops schedule create), not with endpoint monitoring schedules"
)

ModelMonitor = unsupported("ModelMonitor", __name__, _SCHEDULES)
DefaultModelMonitor = unsupported("DefaultModelMonitor", __name__, _SCHEDULES)
ModelQualityMonitor = unsupported("ModelQualityMonitor", __name__, _SCHEDULES)
MonitoringExecution = unsupported(
    "MonitoringExecution",
    __name__,
    "a check step's results are in its execution (list_steps()'s Metadata.QualityCheck)",
)
BaseliningJob = unsupported("BaseliningJob", __name__, _SCHEDULES)

__all__ = [
    "BaseliningJob",
    "DefaultModelMonitor",
    "ModelMonitor",
    "ModelQualityMonitor",
    "MonitoringExecution",
]
