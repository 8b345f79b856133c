"""`sagemaker.model_monitor`: dataset formats; schedules and monitors import but are not
supported (see `model_monitoring`)."""

from batchops.sagemaker.model_monitor import dataset_format, model_monitoring
from batchops.sagemaker.model_monitor.dataset_format import DatasetFormat, MonitoringDatasetFormat
from batchops.sagemaker.model_monitor.model_monitoring import (
    BaseliningJob,
    DefaultModelMonitor,
    ModelMonitor,
    ModelQualityMonitor,
    MonitoringExecution,
)

__all__ = [
    "BaseliningJob",
    "DatasetFormat",
    "DefaultModelMonitor",
    "ModelMonitor",
    "ModelQualityMonitor",
    "MonitoringDatasetFormat",
    "MonitoringExecution",
    "dataset_format",
    "model_monitoring",
]
