"""batchops.sagemaker mirrors the SDK's module paths: every import of the walkthrough's
notebooks resolves, unsupported names import and refuse when used, and the core install
neither needs nor imports the `sagemaker` extra."""

from __future__ import annotations

import importlib
import subprocess
import sys
import textwrap
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from batchops.sagemaker._unsupported import NotSupported

ROOT = Path(__file__).resolve().parents[2]

SDK_MODULES = [
    "workflow.steps",
    "workflow.pipeline",
    "workflow.parameters",
    "workflow.functions",
    "workflow.properties",
    "workflow.conditions",
    "workflow.condition_step",
    "workflow.fail_step",
    "workflow.execution_variables",
    "workflow.pipeline_context",
    "workflow.check_job_config",
    "workflow.quality_check_step",
    "workflow.lambda_step",
    "workflow.model_step",
    "workflow.monitor_batch_transform_step",
    "workflow.clarify_check_step",
    "workflow.step_collections",
    "processing",
    "sklearn.processing",
    "estimator",
    "inputs",
    "model",
    "model_metrics",
    "drift_check_baselines",
    "model_monitor",
    "model_monitor.dataset_format",
    "model_monitor.model_monitoring",
    "transformer",
    "image_uris",
    "lambda_helper",
    "s3",
    "session",
    "clarify",
    "lineage.visualizer",
]

NOTEBOOK_IMPORTS = """
import batchops.sagemaker as sagemaker
from batchops.sagemaker.sklearn.processing import SKLearnProcessor
from batchops.sagemaker.processing import ProcessingInput, ProcessingOutput, ScriptProcessor
from batchops.sagemaker.model import Model
from batchops.sagemaker.inputs import TrainingInput
from batchops.sagemaker.model_monitor import DatasetFormat, model_monitoring
from batchops.sagemaker.clarify import BiasConfig, DataConfig, ModelConfig
from batchops.sagemaker.model_metrics import ModelMetrics, MetricsSource
from batchops.sagemaker.drift_check_baselines import DriftCheckBaselines
from batchops.sagemaker.workflow.properties import PropertyFile
from batchops.sagemaker.workflow.conditions import ConditionGreaterThanOrEqualTo
from batchops.sagemaker.workflow.condition_step import ConditionStep
from batchops.sagemaker.workflow.functions import JsonGet, Join
from batchops.sagemaker.workflow.pipeline import Pipeline
from batchops.sagemaker.workflow.steps import (
    ProcessingStep, TrainingStep, CreateModelStep, TransformStep, CacheConfig,
)
from batchops.sagemaker.workflow.model_step import ModelStep
from batchops.sagemaker.workflow.parameters import (
    ParameterInteger, ParameterString, ParameterBoolean,
)
from batchops.sagemaker.workflow.execution_variables import ExecutionVariables
from batchops.sagemaker.workflow.pipeline_context import PipelineSession
from batchops.sagemaker.workflow.check_job_config import CheckJobConfig
from batchops.sagemaker.workflow.clarify_check_step import DataBiasCheckConfig, ClarifyCheckStep
from batchops.sagemaker.workflow.quality_check_step import (
    DataQualityCheckConfig, QualityCheckStep,
)
from batchops.sagemaker.model_monitor import MonitoringExecution
from batchops.sagemaker.s3 import S3Downloader
from batchops.sagemaker.transformer import Transformer
from batchops.sagemaker.image_uris import retrieve
from batchops.sagemaker.workflow.lambda_step import LambdaStep, LambdaOutput, LambdaOutputTypeEnum
from batchops.sagemaker.lambda_helper import Lambda
from batchops.sagemaker.model_monitor import DefaultModelMonitor
from batchops.sagemaker.model_monitor.dataset_format import DatasetFormat
from batchops.sagemaker.workflow.monitor_batch_transform_step import MonitorBatchTransformStep

assert callable(sagemaker.get_execution_role)
assert callable(sagemaker.image_uris.retrieve)
assert callable(sagemaker.estimator.Estimator)
assert callable(sagemaker.Session)
heavy = sorted({"pandas", "sklearn", "boto3", "botocore", "requests"} & set(sys.modules))
print("heavy:", heavy)
"""


def test_every_import_of_both_notebooks_resolves_without_the_heavy_packages() -> None:
    script = "import sys\n" + textwrap.dedent(NOTEBOOK_IMPORTS)
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "heavy: []"


@pytest.mark.parametrize("path", SDK_MODULES)
def test_the_sdk_s_module_paths_exist(path: str) -> None:
    assert importlib.import_module(f"batchops.sagemaker.{path}").__name__.endswith(path)


def _unsupported_uses() -> dict[str, Callable[[], Any]]:
    from batchops.sagemaker import clarify
    from batchops.sagemaker.lineage.visualizer import LineageTableVisualizer
    from batchops.sagemaker.model_monitor import DefaultModelMonitor
    from batchops.sagemaker.workflow import clarify_check_step

    return {
        "BiasConfig": lambda: clarify.BiasConfig(label_values_or_threshold=[1]),
        "DataConfig": lambda: clarify.DataConfig(s3_data_input_path="s3://b/k"),
        "ModelConfig": lambda: clarify.ModelConfig(model_name="m"),
        "DataBiasCheckConfig": lambda: clarify_check_step.DataBiasCheckConfig(),
        "ClarifyCheckStep": lambda: clarify_check_step.ClarifyCheckStep(name="Bias"),
        "DefaultModelMonitor": lambda: DefaultModelMonitor(role="r"),
        "DefaultModelMonitor.attach": lambda: DefaultModelMonitor.attach("schedule"),
        "LineageTableVisualizer": lambda: LineageTableVisualizer(None),
    }


@pytest.mark.parametrize("name", sorted(_unsupported_uses()))
def test_an_unsupported_name_imports_and_refuses_when_used(name: str) -> None:
    with pytest.raises(NotSupported, match=rf"^{name} is not supported by batchops"):
        _unsupported_uses()[name]()


def test_the_sagemaker_extra_brings_what_framework_scripts_import_and_the_core_stays() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    extra = " ".join(project["optional-dependencies"]["sagemaker"])
    core = " ".join(project["dependencies"])

    for package in ("pandas>=2,<3", "scikit-learn", "requests"):
        assert package in extra
        assert package.split(">")[0] not in core
