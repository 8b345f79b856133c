"""Step arguments and step collections as the SDK builds them, with the SDK's defaults;
arguments that would change results and that batchops does not support are refused."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import pytest

from batchops.errors import InvalidInput
from batchops.runtime.catalog import get_definition
from batchops.sagemaker._unsupported import NotSupported
from batchops.sagemaker.estimator import Estimator
from batchops.sagemaker.image_uris import retrieve
from batchops.sagemaker.inputs import TrainingInput, TransformInput
from batchops.sagemaker.model import Model
from batchops.sagemaker.model_metrics import MetricsSource, ModelMetrics
from batchops.sagemaker.model_monitor import DatasetFormat
from batchops.sagemaker.processing import ProcessingInput, ProcessingOutput, ScriptProcessor
from batchops.sagemaker.transformer import Transformer
from batchops.sagemaker.workflow.check_job_config import CheckJobConfig
from batchops.sagemaker.workflow.condition_step import ConditionStep
from batchops.sagemaker.workflow.conditions import ConditionEquals
from batchops.sagemaker.workflow.fail_step import FailStep
from batchops.sagemaker.workflow.functions import JsonGet
from batchops.sagemaker.workflow.model_step import ModelStep
from batchops.sagemaker.workflow.monitor_batch_transform_step import MonitorBatchTransformStep
from batchops.sagemaker.workflow.parameters import ParameterInteger, ParameterString
from batchops.sagemaker.workflow.pipeline import Pipeline
from batchops.sagemaker.workflow.pipeline_context import PipelineSession
from batchops.sagemaker.workflow.quality_check_step import (
    DataQualityCheckConfig,
    QualityCheckStep,
)
from batchops.sagemaker.workflow.steps import ProcessingStep, TrainingStep, TransformStep

XGBOOST = retrieve("xgboost", "us-east-1", "1.0-1")
ROLE = "arn:aws:iam::000000000000:role/any"


def _script(folder: Path) -> str:
    (folder / "job.py").write_text("print('job')\n")
    return str(folder / "job.py")


def _processor(session: Any = None) -> ScriptProcessor:
    return ScriptProcessor(
        role=ROLE,
        image_uri=XGBOOST,
        command=["python3"],
        instance_count=1,
        instance_type="ml.m5.xlarge",
        base_job_name="job",
        sagemaker_session=session,
    )


def _io() -> dict[str, Any]:
    return {
        "inputs": [ProcessingInput(source="s3://b/in", destination="/opt/ml/processing/in")],
        "outputs": [ProcessingOutput(output_name="out", source="/opt/ml/processing/out")],
    }


def test_run_s_step_arguments_and_the_legacy_processor_form_define_the_same_step(
    tmp_path: Path,
) -> None:
    code = _script(tmp_path)
    recorded = _processor(PipelineSession()).run(code=code, arguments=["--n", "3"], **_io())
    by_step_args = ProcessingStep("Job", step_args=recorded)
    legacy = ProcessingStep(
        "Job", processor=_processor(), code=code, job_arguments=["--n", "3"], **_io()
    )

    assert by_step_args.to_request() == legacy.to_request()
    assert by_step_args.to_request()["Arguments"]["AppSpecification"] == {
        "ImageUri": XGBOOST,
        "ContainerEntrypoint": ["python3", "/opt/ml/processing/input/code/job.py"],
        "ContainerArguments": ["--n", "3"],
    }


def test_a_job_method_outside_a_pipeline_session_is_refused(tmp_path: Path) -> None:
    with pytest.raises(NotSupported, match=r"ScriptProcessor.run\(\) outside a pipeline"):
        _processor().run(code=_script(tmp_path))
    with pytest.raises(NotSupported, match=r"Estimator.fit\(\) outside a pipeline"):
        Estimator(image_uri=XGBOOST).fit({"train": "s3://b/train"})


def test_step_args_from_the_wrong_method_are_refused(tmp_path: Path) -> None:
    model = Model(
        image_uri=XGBOOST, model_data="s3://b/model.tar.gz", sagemaker_session=PipelineSession()
    )
    with pytest.raises(
        InvalidInput, match=r"Train: step_args must come from fit\(\), got create\(\)"
    ):
        TrainingStep("Train", step_args=model.create())


def test_fit_s_step_arguments_train_with_sagemaker_s_hyperparameters() -> None:
    estimator = Estimator(
        image_uri=XGBOOST,
        role=ROLE,
        instance_count=1,
        instance_type="ml.m5.2xlarge",
        output_path="s3://b/models",
        sagemaker_session=PipelineSession(),
    )
    estimator.set_hyperparameters(objective="binary:logistic", num_round=48)
    step = TrainingStep(
        "Train",
        step_args=estimator.fit({"train": TrainingInput("s3://b/train", content_type="text/csv")}),
    )

    arguments = step.arguments
    assert arguments["HyperParameters"] == {"objective": "binary:logistic", "num_round": "48"}
    assert arguments["OutputDataConfig"] == {"S3OutputPath": "s3://b/models"}
    assert arguments["InputDataConfig"][0]["ChannelName"] == "train"


def test_training_is_refused_where_batchops_would_change_the_result() -> None:
    with pytest.raises(NotSupported, match=r"an Estimator on image '.*pytorch"):
        TrainingStep("Train", estimator=Estimator(image_uri="1.dkr.ecr.x/pytorch-training:2.0"))
    with pytest.raises(NotSupported, match=r"Estimator\(entry_point=...\)"):
        Estimator(image_uri=XGBOOST, entry_point="train.py")
    step = TrainingStep(
        "Train", estimator=Estimator(image_uri=XGBOOST), inputs={"train": "s3://b/t"}
    )
    with pytest.raises(InvalidInput, match=r"channel .train. has no content_type.*libsvm"):
        step.to_request()


def _model(session: Any = None) -> Model:
    return Model(
        image_uri=XGBOOST,
        model_data="s3://b/model.tar.gz",
        role=ROLE,
        sagemaker_session=session or PipelineSession(),
    )


def test_a_model_step_is_its_create_model_or_register_model_step() -> None:
    model = _model()
    created = ModelStep("Churn", step_args=model.create(instance_type="ml.m5.large"))
    registered = ModelStep(
        "Register",
        step_args=model.register(
            content_types=["text/csv"],
            response_types=["text/csv"],
            model_package_group_name="customer-churn",
            model_metrics=ModelMetrics(
                model_statistics=MetricsSource("application/json", "s3://b/evaluation.json")
            ),
        ),
    )

    assert [(s.name, s.step_type.value) for s in created.steps] == [("Churn-CreateModel", "Model")]
    assert [(s.name, s.step_type.value) for s in registered.steps] == [
        ("Register-RegisterModel", "RegisterModel")
    ]
    assert created.properties.ModelName.expr == {"Get": "Steps.Churn-CreateModel.ModelName"}
    request = registered.steps[0].to_request()["Arguments"]
    assert request["ModelMetrics"] == {
        "ModelQuality": {
            "Statistics": {"S3Uri": "s3://b/evaluation.json", "ContentType": "application/json"}
        }
    }
    assert request["ModelApprovalStatus"] == "PendingManualApproval"


def test_a_model_step_needs_a_pipeline_session() -> None:
    model = _model()
    arguments = model.create()
    model.sagemaker_session = None
    with pytest.raises(TypeError, match="must be a PipelineSession"):
        ModelStep("Churn", step_args=arguments)


def _monitored(**choices: Any) -> MonitorBatchTransformStep:
    transformer = Transformer(
        model_name="churn-model", instance_count=1, instance_type="ml.m5.xlarge",
        output_path="s3://b/out", sagemaker_session=PipelineSession(),
    )  # fmt: skip
    return MonitorBatchTransformStep(
        name="Monitor",
        transform_step_args=transformer.transform("s3://b/batch.csv", content_type="text/csv"),
        monitor_configuration=DataQualityCheckConfig(
            baseline_dataset="s3://b/batch.csv", dataset_format=DatasetFormat.csv(header=False)
        ),
        check_job_configuration=CheckJobConfig(role=ROLE),
        supplied_baseline_statistics="s3://b/statistics.json",
        supplied_baseline_constraints="s3://b/constraints.json",
        **choices,
    )


def test_monitor_batch_transform_is_a_transform_and_a_check_with_the_sdk_s_defaults() -> None:
    after = _monitored()
    before = _monitored(monitor_before_transform=True, fail_on_violation=False)

    transform, monitoring = (s.to_request() for s in after.steps)
    assert [transform["Name"], monitoring["Name"]] == ["Monitor-transform", "Monitor-monitoring"]
    assert (transform["Type"], monitoring["Type"]) == ("Transform", "QualityCheck")
    assert "DependsOn" not in transform and monitoring["DependsOn"] == ["Monitor-transform"]
    assert (monitoring["SkipCheck"], monitoring["FailOnViolation"]) == (False, True)
    transform, monitoring = (s.to_request() for s in before.steps)
    assert transform["DependsOn"] == ["Monitor-monitoring"] and "DependsOn" not in monitoring
    assert monitoring["FailOnViolation"] is False
    assert after.properties.CalculatedBaselineStatistics.expr == {
        "Get": "Steps.Monitor-monitoring.CalculatedBaselineStatistics"
    }


def test_a_quality_check_has_the_sdk_s_defaults() -> None:
    step = QualityCheckStep(
        "Check",
        quality_check_config=DataQualityCheckConfig(
            baseline_dataset="s3://b/data.csv", dataset_format=DatasetFormat.csv()
        ),
        check_job_config=CheckJobConfig(role=ROLE),
    )
    request = step.to_request()
    assert (request["SkipCheck"], request["RegisterNewBaseline"], request["FailOnViolation"]) == (
        False,
        False,
        True,
    )


@pytest.mark.parametrize(
    "script", ["record_preprocessor_script", "post_analytics_processor_script"]
)
def test_a_script_that_would_change_a_check_s_result_is_refused(script: str) -> None:
    with pytest.raises(NotSupported, match=rf"^{script} is not supported by batchops: it would"):
        DataQualityCheckConfig(
            baseline_dataset="s3://b/data.csv",
            dataset_format=DatasetFormat.csv(),
            **{script: "s.py"},
        )


def test_branches_and_depends_on_take_collections_for_their_steps(tmp_path: Path) -> None:
    code = _script(tmp_path)
    first = ProcessingStep("First", processor=_processor(), code=code, **_io())
    created = ModelStep("Churn", step_args=_model().create())
    monitored = _monitored()
    fail = FailStep("Stop", error_message="no", depends_on=[monitored, "Churn"])
    gate = ConditionStep(
        "Gate",
        conditions=[ConditionEquals(left=ParameterString("Mode", "score"), right="score")],
        if_steps=[created, monitored],
        else_steps=[fail],
        depends_on=[first],
    )
    pipeline = Pipeline(
        name="collections", parameters=[ParameterString("Mode", "score")], steps=[first, gate]
    )

    steps = {s["Name"]: s for s in json.loads(pipeline.definition())["Steps"]}
    branches = steps["Gate"]["Arguments"]
    assert [s["Name"] for s in branches["IfSteps"]] == [
        "Churn-CreateModel",
        "Monitor-transform",
        "Monitor-monitoring",
    ]
    assert branches["ElseSteps"][0]["DependsOn"] == [
        "Monitor-transform",
        "Monitor-monitoring",
        "Churn-CreateModel",
    ]
    assert steps["Gate"]["DependsOn"] == ["First"]
    assert list(steps) == ["First", "Gate"]


def test_outputs_never_looked_at_go_to_the_execution_s_folder(tmp_path: Path) -> None:
    step = ProcessingStep("Job", processor=_processor(), code=_script(tmp_path), **_io())
    pipeline = Pipeline(name="outputs", steps=[step])

    output = json.loads(pipeline.definition())["Steps"][0]["Arguments"]["ProcessingOutputConfig"]
    location = output["Outputs"][0]["S3Output"]["S3Uri"]["Std:Join"]["Values"]
    assert location[1:] == [
        {"Get": "Execution.PipelineName"},
        "executions",
        {"Get": "Execution.PipelineExecutionId"},
        "Job",
        "out",
    ]
    assert step.properties.ProcessingOutputConfig.Outputs[0].S3Output.S3Uri.expr == {
        "Get": "Steps.Job.ProcessingOutputConfig.Outputs['out'].S3Output.S3Uri"
    }


def test_pipeline_variables_have_no_text_until_they_run() -> None:
    parameter = ParameterString(name="InputData", default_value="s3://b/k")
    with pytest.raises(TypeError, match="Pipeline variables do not support __str__"):
        f"{parameter}/data.csv"
    assert parameter.to_string().expr == {
        "Std:Join": {"On": "", "Values": [{"Get": "Parameters.InputData"}]}
    }
    with pytest.raises(NotSupported, match=r"JsonGet\(s3_uri=...\)"):
        JsonGet(s3_uri="s3://b/report.json", json_path="a")


def test_what_batchops_ignores_is_said_once_per_pipeline_and_kept(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    step = ProcessingStep("Job", processor=_processor(), code=_script(tmp_path), **_io())
    pipeline = Pipeline(name="ignoring", steps=[step])

    with caplog.at_level(logging.WARNING, logger="batchops.sagemaker"):
        pipeline.upsert(role_arn=ROLE)
        pipeline.upsert(role_arn=ROLE)

    said = [r.getMessage() for r in caplog.records if r.name == "batchops.sagemaker"]
    assert said == [
        "pipeline ignoring: batchops runs every step on this machine and accepted and "
        "ignored: instance_count, instance_type, role"
    ]
    stored = get_definition("ignoring")[1]["Metadata"]["SageMaker"]["Steps"]["Job"]
    assert stored["Ignored"] == ["instance_count", "instance_type", "role"]


def test_a_transform_step_by_transformer_and_inputs(tmp_path: Path) -> None:
    transformer = Transformer(
        model_name="churn", instance_count=1, instance_type="ml.m5.xlarge", accept="text/csv"
    )
    step = TransformStep(
        "Score",
        transformer=transformer,
        inputs=TransformInput(
            data="s3://b/batch.csv", content_type="text/csv", input_filter="$[1:]"
        ),
    )

    assert step.arguments["ModelName"] == "churn"
    assert step.arguments["DataProcessing"] == {"InputFilter": "$[1:]"}
    assert (
        step.arguments["TransformInput"]["DataSource"]["S3DataSource"]["S3Uri"]
        == "s3://b/batch.csv"
    )


def test_parameters_are_accepted_for_instance_settings_and_ignored(tmp_path: Path) -> None:
    instance_type = ParameterString(name="ProcessingInstanceType", default_value="ml.m5.xlarge")
    instance_count = ParameterInteger(name="ProcessingInstanceCount", default_value=1)
    processor = ScriptProcessor(
        role=ROLE,
        image_uri=XGBOOST,
        command=["python3"],
        instance_type=instance_type,
        instance_count=instance_count,
    )
    step = ProcessingStep(
        "Job",
        processor=processor,
        code=_script(tmp_path),
        outputs=[ProcessingOutput(output_name="out", source="/opt/ml/processing/out")],
    )
    pipeline = Pipeline(
        name="parameterised", parameters=[instance_type, instance_count], steps=[step]
    )

    arguments = json.loads(pipeline.definition())["Steps"][0]["Arguments"]
    assert arguments["ProcessingResources"]["ClusterConfig"] == {
        "InstanceType": {"Get": "Parameters.ProcessingInstanceType"},
        "InstanceCount": {"Get": "Parameters.ProcessingInstanceCount"},
        "VolumeSizeInGB": 30,
    }
    pipeline.upsert(role_arn=ROLE)
    execution = pipeline.start(parameters={"ProcessingInstanceType": "ml.c5.xlarge"})
    assert execution.describe()["PipelineExecutionStatus"] == "Succeeded"


def test_enum_values_bind_and_execution_variables_name_the_execution() -> None:
    from batchops.sagemaker.workflow.execution_variables import ExecutionVariables
    from batchops.sagemaker.workflow.functions import Join

    mode = ParameterString(name="Mode", default_value="train", enum_values=["train", "score"])
    stop = FailStep(
        "Stop",
        error_message=Join(
            on=" ",
            values=[
                mode,
                ExecutionVariables.PIPELINE_EXECUTION_ARN,
                ExecutionVariables.PIPELINE_ARN,
            ],
        ),
    )
    pipeline = Pipeline(name="enums", parameters=[mode], steps=[stop])
    pipeline.upsert(role_arn=ROLE)

    assert json.loads(pipeline.definition())["Parameters"] == [
        {
            "Name": "Mode",
            "Type": "String",
            "DefaultValue": "train",
            "EnumValues": ["train", "score"],
        }
    ]
    with pytest.raises(InvalidInput, match="parameter 'Mode' must be one of 'train', 'score'"):
        pipeline.start(parameters={"Mode": "deploy"})
    execution = pipeline.start(parameters={"Mode": "score"})
    pipeline_arn = "arn:aws:sagemaker:us-east-1:000000000000:pipeline/enums"
    assert execution.describe()["FailureReason"] == f"score {execution.arn} {pipeline_arn}"


def _defaults(target: Any, *names: str) -> tuple[Any, ...]:
    import inspect

    parameters = inspect.signature(target).parameters
    return tuple(parameters[name].default for name in names)


def test_the_sdk_s_defaults_here_and_batchops_s_own_in_its_dsl() -> None:
    """The same names, two sets of defaults: a notebook gets SageMaker's, and a pipeline
    written with batchops's own DSL keeps what it had."""
    import batchops.pipeline as dsl

    assert _defaults(QualityCheckStep, "skip_check", "register_new_baseline") == (False, False)
    assert _defaults(dsl.QualityCheckStep, "skip_check", "register_new_baseline") == (True, True)
    sdk_monitoring = ("monitor_before_transform", "fail_on_violation")
    assert _defaults(MonitorBatchTransformStep, *sdk_monitoring) == (False, True)
    assert _defaults(dsl.MonitorBatchTransformStep, *sdk_monitoring) == (True, True)
    sdk_source = MetricsSource("application/json", "s3://b/evaluation.json")
    own_source = dsl.MetricsSource("s3://b/evaluation.json", "application/json")
    assert (sdk_source.content_type, sdk_source.s3_uri) == (
        "application/json",
        "s3://b/evaluation.json",
    )
    assert (own_source.content_type, own_source.s3_uri) == (
        "application/json",
        "s3://b/evaluation.json",
    )
