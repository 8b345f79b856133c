"""The walkthrough's two notebooks as pipelines, written against `batchops.sagemaker` only.

Each function is the notebook's pipeline cells with `sagemaker` replaced by
`batchops.sagemaker` in the imports and the AWS account lines removed (SURFACE.md §2.2 and
§3.2, argument for argument). The files the notebooks upload before defining the pipeline
(the processing scripts, the Lambda's `%%writefile`) are given by the caller.
"""

from __future__ import annotations

from pathlib import Path

import batchops.sagemaker as sagemaker
from batchops.sagemaker.clarify import BiasConfig, DataConfig, ModelConfig  # noqa: F401
from batchops.sagemaker.drift_check_baselines import DriftCheckBaselines
from batchops.sagemaker.image_uris import retrieve  # noqa: F401
from batchops.sagemaker.inputs import TrainingInput
from batchops.sagemaker.lambda_helper import Lambda
from batchops.sagemaker.model import Model
from batchops.sagemaker.model_metrics import MetricsSource, ModelMetrics
from batchops.sagemaker.model_monitor import (  # noqa: F401
    DatasetFormat,
    DefaultModelMonitor,
    MonitoringExecution,
    model_monitoring,
)
from batchops.sagemaker.model_monitor.dataset_format import DatasetFormat as MonitorDatasetFormat
from batchops.sagemaker.processing import ProcessingInput, ProcessingOutput, ScriptProcessor
from batchops.sagemaker.s3 import S3Downloader, S3Uploader  # noqa: F401
from batchops.sagemaker.sklearn.processing import SKLearnProcessor
from batchops.sagemaker.transformer import Transformer
from batchops.sagemaker.workflow.check_job_config import CheckJobConfig
from batchops.sagemaker.workflow.clarify_check_step import (  # noqa: F401
    ClarifyCheckStep,
    DataBiasCheckConfig,
)
from batchops.sagemaker.workflow.condition_step import ConditionStep
from batchops.sagemaker.workflow.conditions import ConditionGreaterThanOrEqualTo
from batchops.sagemaker.workflow.execution_variables import ExecutionVariables
from batchops.sagemaker.workflow.functions import Join, JsonGet
from batchops.sagemaker.workflow.lambda_step import (
    LambdaOutput,
    LambdaOutputTypeEnum,
    LambdaStep,
)
from batchops.sagemaker.workflow.model_step import ModelStep
from batchops.sagemaker.workflow.monitor_batch_transform_step import MonitorBatchTransformStep
from batchops.sagemaker.workflow.parameters import (  # noqa: F401
    ParameterBoolean,
    ParameterInteger,
    ParameterString,
)
from batchops.sagemaker.workflow.pipeline import Pipeline
from batchops.sagemaker.workflow.pipeline_context import PipelineSession
from batchops.sagemaker.workflow.properties import PropertyFile
from batchops.sagemaker.workflow.quality_check_step import (
    DataQualityCheckConfig,
    QualityCheckStep,
)
from batchops.sagemaker.workflow.steps import (  # noqa: F401
    CacheConfig,
    CreateModelStep,
    ProcessingStep,
    TrainingStep,
    TransformStep,
)

PREFIX = "aim321-demo-model-monitor-batch-transform"


def upload_scripts(folder: Path) -> str:
    """The notebook's upload of its two scripts; the S3 prefix they went to."""
    bucket = PipelineSession().default_bucket()
    scripts = f"s3://{bucket}/{PREFIX}/scripts"
    for name in ("preprocessing.py", "evaluation.py"):
        (folder / name).write_text(f"print('{name}')\n")
        S3Uploader.upload(str(folder / name), scripts)
    return scripts


def train_baseline_pipeline() -> Pipeline:
    """Notebook 1: `train-baseline-pipeline-1` (SURFACE.md §2.2 #1-#24)."""
    session = PipelineSession()
    bucket = session.default_bucket()
    region = session.boto_region_name
    role_arn = sagemaker.get_execution_role()
    cache_config = CacheConfig(enable_caching=True, expire_after="PT12H")
    input_data = ParameterString(
        name="InputData",
        default_value=f"s3://{bucket}/{PREFIX}/raw-customer-data/20221122/churn-dataset.csv",
    )
    sklearn_processor = SKLearnProcessor(
        framework_version="1.0-1",
        role=role_arn,
        instance_type="ml.m5.xlarge",
        instance_count=1,
        base_job_name="aim321-data-preparation",
    )
    transformed_data_path = f"s3://{bucket}/{PREFIX}/transformed"
    step_process = ProcessingStep(
        name="PrepareData",
        processor=sklearn_processor,
        inputs=[ProcessingInput(source=input_data, destination="/opt/ml/processing/input")],
        outputs=[
            ProcessingOutput(
                output_name=name,
                destination=f"{transformed_data_path}/{name}",
                source=f"/opt/ml/processing/{name}",
            )
            for name in ("train", "validation", "test")
        ],
        code=f"s3://{bucket}/{PREFIX}/scripts/preprocessing.py",
        cache_config=cache_config,
    )
    image_uri = sagemaker.image_uris.retrieve(
        framework="xgboost", region=region, version="1.0-1", py_version="py3"
    )
    xgb_train = sagemaker.estimator.Estimator(
        image_uri=image_uri,
        role=role_arn,
        output_path=f"s3://{bucket}/{PREFIX}/model-artifacts",
        instance_count=1,
        instance_type="ml.m5.2xlarge",
        volume_size=5,
    )
    xgb_train.set_hyperparameters(
        objective="binary:logistic",
        num_round=48,
        max_depth=5,
        eta=0.2,
        gamma=4,
        min_child_weight=6,
        subsample=0.7,
        silent=0,
    )
    outputs = step_process.properties.ProcessingOutputConfig.Outputs
    step_train = TrainingStep(
        name="TrainModel",
        estimator=xgb_train,
        inputs={
            "train": TrainingInput(
                s3_data=outputs["train"].S3Output.S3Uri, content_type="text/csv"
            ),
            "validation": TrainingInput(
                s3_data=outputs["validation"].S3Output.S3Uri, content_type="text/csv"
            ),
        },
        cache_config=cache_config,
    )
    script_eval = ScriptProcessor(
        image_uri=image_uri,
        command=["python3"],
        role=role_arn,
        instance_type="ml.m5.xlarge",
        instance_count=1,
        base_job_name="evaluation",
        sagemaker_session=session,
    )
    evaluation_report = PropertyFile(
        name="EvaluationReport", output_name="evaluation", path="evaluation.json"
    )
    evaluation_step = ProcessingStep(
        name="EvaluateModel",
        processor=script_eval,
        inputs=[
            ProcessingInput(
                source=step_train.properties.ModelArtifacts.S3ModelArtifacts,
                destination="/opt/ml/processing/model",
            ),
            ProcessingInput(
                source=outputs["test"].S3Output.S3Uri, destination="/opt/ml/processing/test"
            ),
        ],
        outputs=[
            ProcessingOutput(output_name="evaluation", source="/opt/ml/processing/evaluation")
        ],
        code=f"s3://{bucket}/{PREFIX}/scripts/evaluation.py",
        property_files=[evaluation_report],
        cache_config=cache_config,
    )
    check_job_config = CheckJobConfig(
        role=role_arn,
        instance_count=1,
        instance_type="ml.c5.xlarge",
        volume_size_in_gb=120,
        sagemaker_session=session,
    )
    data_quality_check_config = DataQualityCheckConfig(
        baseline_dataset=outputs["train"].S3Output.S3Uri,
        dataset_format=DatasetFormat.csv(header=False, output_columns_position="START"),
        output_s3_uri=Join(
            on="/",
            values=[
                "s3:/",
                bucket,
                PREFIX,
                ExecutionVariables.PIPELINE_EXECUTION_ID,
                "dataqualitycheckstep",
            ],
        ),
    )
    data_quality_check_step = QualityCheckStep(
        name="DataQualityCheckStep",
        skip_check=True,
        register_new_baseline=True,
        quality_check_config=data_quality_check_config,
        check_job_config=check_job_config,
        model_package_group_name="customer-churn",
    )
    evaluation_uri = evaluation_step.arguments["ProcessingOutputConfig"]["Outputs"][0]["S3Output"][
        "S3Uri"
    ]
    check = data_quality_check_step.properties
    model_metrics = ModelMetrics(
        model_statistics=MetricsSource(
            s3_uri=f"{evaluation_uri}/evaluation.json", content_type="application/json"
        ),
        model_data_statistics=MetricsSource(
            s3_uri=check.CalculatedBaselineStatistics, content_type="application/json"
        ),
        model_data_constraints=MetricsSource(
            s3_uri=check.CalculatedBaselineConstraints, content_type="application/json"
        ),
    )
    drift_check_baselines = DriftCheckBaselines(
        model_data_statistics=MetricsSource(
            s3_uri=check.BaselineUsedForDriftCheckStatistics, content_type="application/json"
        ),
        model_data_constraints=MetricsSource(
            s3_uri=check.BaselineUsedForDriftCheckConstraints, content_type="application/json"
        ),
    )
    model = Model(
        image_uri=xgb_train.training_image_uri(),
        model_data=step_train.properties.ModelArtifacts.S3ModelArtifacts,
        entry_point=xgb_train.entry_point,
        role=role_arn,
        sagemaker_session=session,
    )
    create_model_step = ModelStep(
        name="CustomerChurnCreateModel",
        step_args=model.create(instance_type="ml.m5.large", accelerator_type="ml.eia1.medium"),
    )
    register_args = model.register(
        content_types=["text/csv"],
        response_types=["text/csv"],
        inference_instances=["ml.t2.medium", "ml.m5.xlarge"],
        transform_instances=["ml.m5.xlarge"],
        model_package_group_name="customer-churn",
        customer_metadata_properties={"ModelName": create_model_step.properties.ModelName},
        drift_check_baselines=drift_check_baselines,
        approval_status="PendingManualApproval",
        model_metrics=model_metrics,
    )
    step_register = ModelStep(name="RegisterModel", step_args=register_args)
    cond_gte = ConditionGreaterThanOrEqualTo(
        left=JsonGet(
            step_name=evaluation_step.name,
            property_file=evaluation_report,
            json_path="binary_classification_metrics.accuracy.value",
        ),
        right=0.4,
    )
    step_cond = ConditionStep(
        name="PerformanceConditionalCheck",
        conditions=[cond_gte],
        if_steps=[data_quality_check_step, create_model_step, step_register],
        else_steps=[],
    )
    return Pipeline(
        name="train-baseline-pipeline-1",
        parameters=[input_data],
        steps=[step_process, step_train, evaluation_step, step_cond],
    )


LAMBDA_SOURCE = """\
import boto3
from botocore.exceptions import ClientError


def lambda_handler(event, context):
    sm = boto3.client("sagemaker")
    group = event["model_package_group_name"]
    approved = sm.list_model_packages(
        ModelPackageGroupName=group, ModelApprovalStatus="Approved", SortBy="CreationTime"
    )["ModelPackageSummaryList"]
    arn = approved[0]["ModelPackageArn"]
    package = sm.describe_model_package(ModelPackageName=arn)
    quality = package["ModelMetrics"]["ModelDataQuality"]
    return {
        "statusCode": 200,
        "modelArn": arn,
        "s3uriConstraints": quality["Constraints"]["S3Uri"],
        "s3uriStatistics": quality["Statistics"]["S3Uri"],
        "modelName": package["CustomerMetadataProperties"]["ModelName"],
    }
"""


def batch_monitor_pipeline(folder: Path) -> Pipeline:
    """Notebook 2: `sagemaker-batch-inference-monitor` (SURFACE.md §3.2 #1-#12); the Lambda's
    `%%writefile` cell writes into `folder`."""
    pipeline_session = PipelineSession()
    role = sagemaker.get_execution_role()
    bucket = pipeline_session.default_bucket()
    prefix = "aim321-demo-model-monitor-batch-transform"
    script = folder / "lambda_getapproved_model.py"
    script.write_text(LAMBDA_SOURCE)
    function_name = "getapprovedmodel-sagemaker-step" + "20221122"
    func = Lambda(
        function_name=function_name,
        execution_role_arn="arn:aws:iam::000000000000:role/Lambda-SageMaker-GetModelRole",
        script=str(script),
        handler="lambda_getapproved_model.lambda_handler",
        timeout=600,
        memory_size=128,
    )
    outputs = [
        LambdaOutput(output_name=name, output_type=LambdaOutputTypeEnum.String)
        for name in ("statusCode", "modelArn", "s3uriConstraints", "s3uriStatistics", "modelName")
    ]
    lambda_getmodel_step = LambdaStep(
        name="LambdaStepGetApprovedModel",
        lambda_func=func,
        inputs={"model_package_group_name": "customer-churn"},
        outputs=outputs,
    )
    transform_input_param = ParameterString(
        name="transform_input",
        default_value="s3://aws-ml-blog/artifacts/ml_workshop/AIM321/churn-prediction-input-missing.csv",
    )
    transformer = Transformer(
        model_name=lambda_getmodel_step.properties.Outputs["modelName"],
        instance_count=1,
        instance_type="ml.m5.xlarge",
        accept="text/csv",
        assemble_with="Line",
        output_path=f"s3://{bucket}/{prefix}/batch-transform-outputs",
        sagemaker_session=pipeline_session,
    )
    transform_arg = transformer.transform(
        transform_input_param, content_type="text/csv", split_type="Line", input_filter="$[1:]"
    )
    job_config = CheckJobConfig(role=role)
    data_quality_config = DataQualityCheckConfig(
        baseline_dataset=transform_input_param,
        dataset_format=MonitorDatasetFormat.csv(header=False),
        output_s3_uri=f"s3://{bucket}/{prefix}/data-quality-monitor-reports",
    )
    transform_and_monitor_step = MonitorBatchTransformStep(
        name="MonitorCustomerChurnDataQuality",
        transform_step_args=transform_arg,
        monitor_configuration=data_quality_config,
        check_job_configuration=job_config,
        monitor_before_transform=True,
        fail_on_violation=False,
        supplied_baseline_statistics=lambda_getmodel_step.properties.Outputs["s3uriStatistics"],
        supplied_baseline_constraints=lambda_getmodel_step.properties.Outputs["s3uriConstraints"],
    )
    return Pipeline(
        name="sagemaker-batch-inference-monitor",
        parameters=[transform_input_param],
        steps=[lambda_getmodel_step, transform_and_monitor_step],
    )
