"""Models by name, registration as the SDK does it, the Lambda with the registry behind its
boto3 client, and a monitored transform by model name: a training notebook and a monitoring
notebook written against the SDK (the shapes of SURFACE.md §2-§3, on small data) run here.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from batchops import registry
from batchops.errors import InvalidInput
from batchops.monitor.jobs import check as monitor_check
from batchops.registry.models import get_model, model_reference
from batchops.runtime.executor import logs_of
from batchops.sagemaker.drift_check_baselines import DriftCheckBaselines
from batchops.sagemaker.estimator import Estimator
from batchops.sagemaker.image_uris import retrieve
from batchops.sagemaker.inputs import TrainingInput
from batchops.sagemaker.lambda_helper import Lambda
from batchops.sagemaker.model import Model
from batchops.sagemaker.model_metrics import MetricsSource, ModelMetrics
from batchops.sagemaker.model_monitor import DatasetFormat, MonitoringExecution
from batchops.sagemaker.s3 import S3Downloader, S3Uploader
from batchops.sagemaker.workflow.check_job_config import CheckJobConfig
from batchops.sagemaker.workflow.execution_variables import ExecutionVariables
from batchops.sagemaker.workflow.functions import Join
from batchops.sagemaker.workflow.lambda_step import LambdaOutput, LambdaStep
from batchops.sagemaker.workflow.model_step import ModelStep
from batchops.sagemaker.workflow.parameters import ParameterString
from batchops.sagemaker.workflow.pipeline import Pipeline, WaiterError
from batchops.sagemaker.workflow.pipeline_context import PipelineSession
from batchops.sagemaker.workflow.quality_check_step import (
    DataQualityCheckConfig,
    QualityCheckStep,
)
from batchops.sagemaker.workflow.steps import TrainingStep
from batchops.store import artifacts
from sagemaker_sdk import notebooks
from sagemaker_sdk.runnable import data, upload_data
from sagemaker_sdk.shapes import check as check_shape

ROLE = "arn:aws:iam::000000000000:role/any"
ACCOUNT = "arn:aws:sagemaker:us-east-1:000000000000"
GROUP = "customer-churn"


def train_pipeline(folder: Path) -> Pipeline:
    """Notebook 1's model part: train, baseline, create the model, register it."""
    folder.mkdir(parents=True, exist_ok=True)
    session = PipelineSession()
    bucket = session.default_bucket()
    train_data = upload_data(folder, "nb1/train", data(ones=40, zeros=40))
    report = {"binary_classification_metrics": {"accuracy": {"value": 0.9}}}
    (folder / "evaluation.json").write_text(json.dumps(report))
    evaluation = S3Uploader.upload(str(folder / "evaluation.json"), f"s3://{bucket}/nb1/eval")
    approval = ParameterString(name="ModelApprovalStatus", default_value="PendingManualApproval")
    estimator = Estimator(
        image_uri=retrieve("xgboost", "us-east-1", "1.0-1"),
        role=ROLE,
        instance_count=1,
        instance_type="ml.m5.xlarge",
        output_path=f"s3://{bucket}/nb1/models",
        sagemaker_session=session,
    )
    estimator.set_hyperparameters(objective="binary:logistic", num_round=4, max_depth=2)
    train = TrainingStep(
        "TrainModel",
        step_args=estimator.fit({"train": TrainingInput(train_data, content_type="text/csv")}),
    )
    quality = QualityCheckStep(
        name="DataQualityCheckStep",
        skip_check=True,
        register_new_baseline=True,
        quality_check_config=DataQualityCheckConfig(
            baseline_dataset=train_data,
            dataset_format=DatasetFormat.csv(header=False, output_columns_position="START"),
            output_s3_uri=Join(
                on="/",
                values=["s3:/", bucket, "nb1", ExecutionVariables.PIPELINE_EXECUTION_ID, "dq"],
            ),
        ),
        check_job_config=CheckJobConfig(role=ROLE, instance_count=1, instance_type="ml.c5.xlarge"),
        model_package_group_name=GROUP,
    )
    calculated = quality.properties
    model = Model(
        image_uri=estimator.training_image_uri(),
        model_data=train.properties.ModelArtifacts.S3ModelArtifacts,
        role=ROLE,
        sagemaker_session=session,
    )
    create = ModelStep(
        name="CustomerChurnCreateModel",
        step_args=model.create(instance_type="ml.m5.large", accelerator_type="ml.eia1.medium"),
    )
    register = ModelStep(
        name="RegisterModel",
        step_args=model.register(
            content_types=["text/csv"],
            response_types=["text/csv"],
            inference_instances=["ml.t2.medium"],
            transform_instances=["ml.m5.xlarge"],
            model_package_group_name=GROUP,
            customer_metadata_properties={"ModelName": create.properties.ModelName},
            approval_status=approval,
            model_metrics=ModelMetrics(
                model_statistics=MetricsSource("application/json", evaluation),
                model_data_statistics=MetricsSource(
                    "application/json", calculated.CalculatedBaselineStatistics
                ),
                model_data_constraints=MetricsSource(
                    "application/json", calculated.CalculatedBaselineConstraints
                ),
                bias=MetricsSource("application/json", f"s3://{bucket}/nb1/bias.json"),
            ),
            drift_check_baselines=DriftCheckBaselines(
                model_data_statistics=MetricsSource(
                    "application/json", calculated.BaselineUsedForDriftCheckStatistics
                ),
                model_data_constraints=MetricsSource(
                    "application/json", calculated.BaselineUsedForDriftCheckConstraints
                ),
            ),
        ),
    )
    pipeline = Pipeline(
        name="sdk-train-register",
        parameters=[approval],
        steps=[train, quality, create, register],
    )
    pipeline.upsert(role_arn=ROLE)
    return pipeline


def monitor_pipeline(folder: Path, batch: str) -> Pipeline:
    """Notebook 2 as written (notebooks.py), its public input put into the bucket first."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "churn-prediction-input-missing.csv").write_text(batch)
    S3Uploader.upload(
        str(folder / "churn-prediction-input-missing.csv"),
        "s3://aws-ml-blog/artifacts/ml_workshop/AIM321",
    )
    pipeline = notebooks.batch_monitor_pipeline(folder)
    pipeline.upsert(role_arn=ROLE)
    return pipeline


def _approved_version(folder: Path) -> registry.ModelVersion:
    execution = train_pipeline(folder).start(parameters={"ModelApprovalStatus": "Approved"})
    execution.wait()
    return registry.latest_version(GROUP, registry.APPROVED)


def test_a_model_is_created_by_name_and_registered_as_the_sdk_does(tmp_path: Path) -> None:
    pipeline = train_pipeline(tmp_path)

    execution = pipeline.start(parameters={"ModelApprovalStatus": "Approved"})

    steps = execution.list_steps()
    check_shape({"PipelineExecutionSteps": steps}, "ListPipelineExecutionStepsResponse")
    assert [(s["StepName"], s["StepStatus"], s.get("FailureReason")) for s in steps] == [
        (name, "Succeeded", None)
        for name in (
            "RegisterModel-RegisterModel",
            "CustomerChurnCreateModel-CreateModel",
            "DataQualityCheckStep",
            "TrainModel",
        )
    ]
    metadata = {s["StepName"]: s["Metadata"] for s in steps}
    execution_id = execution.arn.rsplit("/", 1)[1]
    name = f"pipelines-{execution_id}-customerchurncreatemodel-createmodel"
    assert metadata["CustomerChurnCreateModel-CreateModel"] == {
        "Model": {"Arn": f"{ACCOUNT}:model/{name}"}
    }
    created = get_model(name)
    assert created.image.endswith("sagemaker-xgboost:1.0-1-cpu-py3")
    version = registry.get_version(GROUP, 1)
    assert version.status == "Approved"  # the Parameter's value at start
    assert version.custom_metadata["ModelName"] == name  # a step property, resolved
    assert version.metrics == {"accuracy": 0.9}
    # ModelMetrics.model_data_* are the version's data-quality baseline (its own copies)
    quality = metadata["DataQualityCheckStep"]["QualityCheck"]
    calculated = json.loads(S3Downloader.read_file(quality["CalculatedBaselineStatistics"]))
    assert json.loads(artifacts.read_text(str(version.statistics_uri))) == calculated
    # kept as given: the bias report, the SDK's drift-check baselines
    kept = version.inference_spec["MetricSources"]
    assert kept["ModelMetrics"]["Bias.Report"].endswith("/nb1/bias.json")
    assert set(kept["DriftCheckBaselines"]) == {
        "ModelDataQuality.Statistics",
        "ModelDataQuality.Constraints",
    }
    # output_s3_uri honoured: the results are in the execution's folder of the bucket too
    bucket = PipelineSession().default_bucket()
    shared = json.loads(
        S3Downloader.read_file(f"s3://{bucket}/nb1/{execution_id}/dq/statistics.json")
    )
    assert shared == calculated


def test_a_model_whose_data_is_a_registered_version_s_is_scored_only_when_approved(
    tmp_path: Path,
) -> None:
    execution = train_pipeline(tmp_path).start()  # registered PendingManualApproval
    name = registry.get_version(GROUP, 1).custom_metadata["ModelName"]

    with pytest.raises(InvalidInput, match="not Approved"):
        model_reference(name)
    registry.approve(GROUP, 1, reason="checked")
    assert model_reference(name) == f"{GROUP}/1"  # the registry's verified copy
    assert execution.describe()["PipelineExecutionStatus"] == "Succeeded"


def test_the_monitoring_notebook_finds_the_approved_model_and_checks_and_scores(
    tmp_path: Path,
) -> None:
    version = _approved_version(tmp_path / "nb1")
    batch = data(ones=15, zeros=15).replace("1,3.5,3", "1,,3")  # a missing value
    pipeline = monitor_pipeline(tmp_path / "nb2", batch)

    execution = pipeline.start()

    steps = execution.list_steps()
    check_shape({"PipelineExecutionSteps": steps}, "ListPipelineExecutionStepsResponse")
    assert [(s["StepName"], s["StepStatus"]) for s in steps] == [
        ("MonitorCustomerChurnDataQuality-transform", "Succeeded"),
        ("MonitorCustomerChurnDataQuality-monitoring", "Succeeded"),
        ("LambdaStepGetApprovedModel", "Succeeded"),
    ]
    outputs = {p["Name"]: p["Value"] for p in steps[2]["Metadata"]["Lambda"]["OutputParameters"]}
    assert outputs["modelArn"] == f"{ACCOUNT}:model-package/{GROUP}/{version.version}"
    assert outputs["modelName"] == version.custom_metadata["ModelName"]
    assert outputs["statusCode"] == "200"
    execution_id = execution.arn.rsplit("/", 1)[1]
    assert registry.execution_lineage(execution_id)["used"][0]["version"] == version.version

    # the walkthrough's last cells: the violations, as `batchops monitor` finds them
    monitoring = steps[1]["Metadata"]["QualityCheck"]
    found = MonitoringExecution.from_processing_arn(
        sagemaker_session=PipelineSession(), processing_job_arn=monitoring["CheckJobArn"]
    )
    violations = found.constraint_violations(file_name="constraint_violations.json")
    expected = monitor_check(
        str(tmp_path / "nb2" / "churn-prediction-input-missing.csv"),
        statistics=str(version.statistics_uri),
        constraints=str(version.constraints_uri),
        out_dir=tmp_path / "expected",
        header=False,
    )
    assert (
        violations.body_dict["violations"]
        == json.loads(artifacts.read_text(expected.violations_uri))["violations"]
    )
    assert violations.body_dict["violations"]  # the missing value is reported
    assert found.job_name == monitoring["CheckJobArn"].rsplit("/", 1)[1]

    # scored with the registry's copy of the approved version, into output_path
    logs = logs_of(execution_id)
    assert "scored 30 record(s)" in logs["MonitorCustomerChurnDataQuality-transform"]
    bucket = PipelineSession().default_bucket()
    written = S3Downloader.list(
        f"s3://{bucket}/aim321-demo-model-monitor-batch-transform/batch-transform-outputs"
    )
    assert written


def test_a_faithful_lambda_gets_the_oldest_approved_version_and_a_warning(
    tmp_path: Path,
) -> None:
    first = _approved_version(tmp_path / "a")
    _approved_version(tmp_path / "b")
    pipeline = monitor_pipeline(tmp_path / "nb2", data(ones=5, zeros=5))

    execution = pipeline.start()

    steps = execution.list_steps()
    lambda_step = next(s for s in steps if s["StepName"] == "LambdaStepGetApprovedModel")
    outputs = {p["Name"]: p["Value"] for p in lambda_step["Metadata"]["Lambda"]["OutputParameters"]}
    assert outputs["modelArn"].endswith(f"/{GROUP}/{first.version}")  # ascending, as SageMaker
    log = logs_of(execution.arn.rsplit("/", 1)[1])["LambdaStepGetApprovedModel"]
    assert "2 versions of customer-churn are Approved" in log
    assert "SortOrder='Descending'" in log


LAMBDAS = {
    "other_services": """\
import boto3
from botocore.exceptions import ClientError

def handler(event, context):
    answers = {}
    for call in (lambda: boto3.client("s3").list_buckets(),
                 lambda: boto3.client("sagemaker").create_endpoint(EndpointName="x")):
        try:
            call()
        except ClientError as error:
            answers[len(answers)] = error.response["Error"]["Code"]
    sm = boto3.client("sagemaker")
    groups = sm.list_model_package_groups()["ModelPackageGroupSummaryList"]
    sm.update_model_package(ModelPackageArn=event["ref"], ModelApprovalStatus="Rejected")
    described = sm.describe_model_package(ModelPackageName=event["ref"])
    left = context.get_remaining_time_in_millis() > 0
    return {"codes": f"{answers[0]},{answers[1]}", "groups": len(groups),
            "status": described["ModelApprovalStatus"], "left": left}
""",
    "slow": """\
import time

def handler(event, context):
    time.sleep(30)
    return {}
""",
}


def _lambda_pipeline(folder: Path, kind: str, timeout: int, outputs: list[Any]) -> Pipeline:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{kind}.py").write_text(LAMBDAS[kind])
    step = LambdaStep(
        name="Call",
        lambda_func=Lambda(
            function_name=kind,
            script=str(folder / f"{kind}.py"),
            handler=f"{kind}.handler",
            timeout=timeout,
        ),
        inputs={"ref": f"{GROUP}/1"},
        outputs=outputs,
    )
    pipeline = Pipeline(name=f"sdk-lambda-{kind.replace('_', '-')}", steps=[step])
    pipeline.upsert(role_arn=ROLE)
    return pipeline


def test_other_operations_are_refused_and_outputs_are_typed(tmp_path: Path) -> None:
    from batchops.sagemaker.workflow.lambda_step import LambdaOutputTypeEnum as Types

    _approved_version(tmp_path / "nb1")
    outputs = [
        LambdaOutput("codes"),
        LambdaOutput("groups", Types.Integer),
        LambdaOutput("status"),
        LambdaOutput("left", Types.Boolean),
    ]
    execution = _lambda_pipeline(tmp_path / "l", "other_services", 60, outputs).start()

    execution.wait()
    record = json.loads(json.dumps(execution.list_steps()[0]["Metadata"]["Lambda"]))
    values = {p["Name"]: p["Value"] for p in record["OutputParameters"]}
    assert values == {
        "codes": "UnsupportedOperation,UnsupportedOperation",
        "groups": "1",
        "status": "Rejected",
        "left": "True",
    }
    assert registry.get_version(GROUP, 1).status == "Rejected"


def test_a_lambda_past_its_timeout_fails_the_step(tmp_path: Path) -> None:
    execution = _lambda_pipeline(tmp_path / "l", "slow", 1, []).start()

    with pytest.raises(WaiterError):
        execution.wait()
    step = execution.list_steps()[0]
    assert step["StepStatus"] == "Failed"
    assert "Task timed out after 1 seconds" in step["FailureReason"]


LIBSVM_ROWS = "1 1:3.5 2:3\n0 1:0.25\n1 2:6\n"
"""1-based indices: 3 columns against the 2-feature model, as a public SDK example's file."""


def test_a_transform_without_content_type_reads_libsvm_as_the_xgboost_image_does(
    tmp_path: Path,
) -> None:
    from batchops.sagemaker.inputs import TransformInput
    from batchops.sagemaker.transformer import Transformer
    from batchops.sagemaker.workflow.steps import TransformStep
    from batchops.transform import transform

    version = _approved_version(tmp_path / "nb1")
    bucket = PipelineSession().default_bucket()
    (tmp_path / "batch").write_text(LIBSVM_ROWS)
    batch = S3Uploader.upload(str(tmp_path / "batch"), f"s3://{bucket}/libsvm")
    step = TransformStep(
        name="Score",
        transformer=Transformer(
            model_name=version.custom_metadata["ModelName"],
            instance_count=1,
            instance_type="ml.m5.xlarge",
            output_path=f"s3://{bucket}/libsvm-out",
        ),
        inputs=TransformInput(data=batch),
    )
    pipeline = Pipeline(name="sdk-libsvm", steps=[step])
    pipeline.upsert(role_arn=ROLE)

    pipeline.start().wait()

    scored = S3Downloader.read_file(f"s3://{bucket}/libsvm-out/batch.out").split()
    assert len(scored) == 3 and all(0 <= float(p) <= 1 for p in scored)
    # the core transform reads libsvm only when told; a fourth column is one too many
    model = str(version.model_data_uri)
    core = transform(model, tmp_path / "batch", tmp_path / "out", content_type="text/libsvm")
    assert core.rows == 3
    (tmp_path / "wide").write_text("1 1:1 3:2\n")
    with pytest.raises(InvalidInput, match="index 3 is beyond the model's 2 features"):
        transform(model, tmp_path / "wide", tmp_path / "out2", content_type="text/libsvm")
