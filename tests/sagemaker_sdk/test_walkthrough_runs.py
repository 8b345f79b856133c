"""How issue 28 is checked: the walkthrough's two notebooks, converted with the mechanical
rules only (imports, account lines; notebooks.py), run end to end on synthetic churn data with
drift and missing values: every step succeeds, the steps are SageMaker's, the Lambda finds the
approved version, and the violations are those `batchops monitor` finds in the same files.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from batchops import registry
from batchops.errors import EnvironmentProblem
from batchops.examples.churn.data import write_churn_csv
from batchops.monitor.jobs import check as monitor_check
from batchops.runtime import frameworks, sandbox
from batchops.sagemaker.model_monitor import MonitoringExecution
from batchops.sagemaker.s3 import S3Uploader
from batchops.sagemaker.workflow.pipeline_context import PipelineSession
from batchops.store import artifacts
from sagemaker_sdk import notebooks
from support import walkthrough

pytestmark = pytest.mark.slow
ROLE = "arn:aws:iam::000000000000:role/any"


@pytest.fixture
def runs_unchanged() -> None:
    """A private root and the pandas-1 environment (built by `make test`), or a skip."""
    found = sandbox.support()
    if found.tool is None:
        pytest.skip(f"no private root here for /opt/ml scripts: {found.reason}")
    try:
        frameworks.build(frameworks.PANDAS1, lambda _line: None)
    except EnvironmentProblem as reason:
        pytest.skip(f"the pandas-1 environment cannot be built here: {reason}")


def _notebook_1_uploads(folder: Path) -> None:
    bucket = PipelineSession().default_bucket()
    prefix = f"s3://{bucket}/{notebooks.PREFIX}"
    for script in walkthrough.write_scripts(folder / "scripts"):
        S3Uploader.upload(str(script), f"{prefix}/scripts")
    raw = write_churn_csv(folder / "raw" / "churn-dataset.csv", 5000, seed=0)
    S3Uploader.upload(str(raw), f"{prefix}/raw-customer-data/20221122")


def test_both_walkthrough_notebooks_run_end_to_end(runs_unchanged: None, tmp_path: Path) -> None:
    _notebook_1_uploads(tmp_path / "nb1")
    training = notebooks.train_baseline_pipeline()
    training.upsert(role_arn=ROLE)
    trained = training.start()
    trained.wait()
    assert sorted(s["StepName"] for s in trained.list_steps()) == [
        "CustomerChurnCreateModel-CreateModel",
        "DataQualityCheckStep",
        "EvaluateModel",
        "PerformanceConditionalCheck",
        "PrepareData",
        "RegisterModel-RegisterModel",
        "TrainModel",
    ]
    assert all(s["StepStatus"] == "Succeeded" for s in trained.list_steps())
    version = registry.get_version("customer-churn", 1)
    assert version.status == "PendingManualApproval"
    registry.approve("customer-churn", 1, reason="the walkthrough approves it by hand")

    _clean, missing = walkthrough.write_batch_files(tmp_path / "batch")
    S3Uploader.upload(str(missing), "s3://aws-ml-blog/artifacts/ml_workshop/AIM321")
    (tmp_path / "nb2").mkdir()
    monitoring = notebooks.batch_monitor_pipeline(tmp_path / "nb2")
    monitoring.upsert(role_arn=ROLE)
    execution = monitoring.start()
    execution.wait()

    steps = execution.list_steps()
    assert [(s["StepName"], s["StepStatus"]) for s in steps] == [
        ("MonitorCustomerChurnDataQuality-transform", "Succeeded"),
        ("MonitorCustomerChurnDataQuality-monitoring", "Succeeded"),
        ("LambdaStepGetApprovedModel", "Succeeded"),
    ]
    returned = {p["Name"]: p["Value"] for p in steps[2]["Metadata"]["Lambda"]["OutputParameters"]}
    assert returned["modelArn"].endswith(":model-package/customer-churn/1")
    assert returned["modelName"] == version.custom_metadata["ModelName"]
    # the notebook's last cells
    check_arn = next(s for s in steps if "QualityCheck" in s["Metadata"])["Metadata"][
        "QualityCheck"
    ]["CheckJobArn"]
    found = MonitoringExecution.from_processing_arn(
        sagemaker_session=PipelineSession(), processing_job_arn=check_arn
    )
    violations = found.constraint_violations(file_name="constraint_violations.json").body_dict
    expected = monitor_check(
        str(missing),
        statistics=str(version.statistics_uri),
        constraints=str(version.constraints_uri),
        out_dir=tmp_path / "expected",
        header=False,
    )
    assert (
        violations["violations"]
        == json.loads(artifacts.read_text(expected.violations_uri))["violations"]
    )
    kinds = {v["constraint_check_type"] for v in violations["violations"]}
    assert {"baseline_drift_check", "completeness_check"} <= kinds
