"""SDK pipelines run as batchops executions, and answer in SageMaker's shapes.

`start()` runs to the end; `describe()`, `list_steps()` and the pipeline's own answers are
checked against botocore's model of the SageMaker API; the same execution is a batchops
execution for the command line (list, logs, retry in a fresh process, `-p InputData=s3://…`).
"""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import pandas as pd
import pytest

from batchops.sagemaker.s3 import S3Downloader, S3Uploader
from batchops.sagemaker.workflow.pipeline import Pipeline, WaiterError, _PipelineExecution
from batchops.settings import get_settings
from sagemaker_sdk.runnable import NAME, data, gate_pipeline, upload_data
from sagemaker_sdk.shapes import check
from support.cli import run_batchops

ACCOUNT = "arn:aws:sagemaker:us-east-1:000000000000"


@pytest.fixture
def gate(tmp_path: Path) -> Pipeline:
    pipeline = gate_pipeline(tmp_path)
    check(pipeline.upsert(role_arn="arn:aws:iam::000000000000:role/any"), "UpdatePipelineResponse")
    return pipeline


def test_a_run_answers_as_sagemaker_does(gate: Pipeline, tmp_path: Path) -> None:
    upload_data(tmp_path, "demo/raw", data(ones=8, zeros=2))

    execution = gate.start()
    described = execution.describe()
    steps = execution.list_steps()

    check(described, "DescribePipelineExecutionResponse")
    check({"PipelineExecutionSteps": steps}, "ListPipelineExecutionStepsResponse")
    execution_id = execution.arn.rsplit("/", 1)[1]
    assert execution.arn == f"{ACCOUNT}:pipeline/{NAME}/execution/{execution_id}"
    assert described["PipelineExecutionStatus"] == "Succeeded"
    assert [s["StepName"] for s in steps] == ["Baseline", "Gate", "Evaluate", "Prepare"]
    starts = [s["StartTime"] for s in steps]
    assert starts == sorted(starts, reverse=True)
    metadata = {s["StepName"]: s["Metadata"] for s in steps}
    assert metadata["Prepare"] == {
        "ProcessingJob": {"Arn": f"{ACCOUNT}:processing-job/pipelines-{execution_id}-prepare"}
    }
    assert metadata["Gate"] == {"Condition": {"Outcome": "True"}}
    quality = metadata["Baseline"]["QualityCheck"]
    assert (quality["SkipCheck"], quality["RegisterNewBaseline"]) == (True, True)
    assert quality["CheckJobArn"].startswith(f"{ACCOUNT}:processing-job/pipelines-{execution_id}")
    execution.wait()  # succeeded: returns


def test_the_notebook_s_last_cells_read_the_baseline(gate: Pipeline, tmp_path: Path) -> None:
    """SURFACE.md §2.2 #25: the check step found by its Metadata, its baseline read back."""
    upload_data(tmp_path, "demo/raw", data(ones=8, zeros=2))
    execution = gate.start()

    step = next(s for s in execution.list_steps() if "QualityCheck" in s["Metadata"])
    uri = step["Metadata"]["QualityCheck"]["BaselineUsedForDriftCheckStatistics"]
    statistics = json.loads(S3Downloader.read_file(uri))
    features = pd.json_normalize(statistics, record_path=["features"])

    assert list(features["name"]) == ["_c0", "_c1", "_c2"]
    assert statistics["dataset"]["item_count"] == 10


def test_an_output_s_s3_destination_is_written_and_read_back(
    gate: Pipeline, tmp_path: Path
) -> None:
    upload_data(tmp_path, "demo/raw", data(ones=3, zeros=1))
    execution = gate.start()

    bucket = gate.sagemaker_session.default_bucket()
    prepared = S3Downloader.read_file(f"s3://{bucket}/demo/prepared/train/train.csv")
    step = next(s for s in execution.list_steps() if s["StepName"] == "Prepare")
    assert prepared == data(ones=3, zeros=1)
    assert step["StepStatus"] == "Succeeded"
    stored = Path(get_settings().artifacts) / "s3" / bucket / "demo" / "prepared" / "train"
    assert (stored / "train.csv").read_text() == prepared


def test_a_default_destination_looked_at_before_the_run_is_where_the_output_goes(
    tmp_path: Path,
) -> None:
    """SURFACE.md §7.3: a notebook formats `.arguments[...]['S3Uri']` into a later step; the
    run writes the output there, so what the notebook named exists afterwards."""
    pipeline = gate_pipeline(tmp_path)
    evaluate = next(s for s in pipeline.steps if s.name == "Evaluate")
    outputs = evaluate.arguments["ProcessingOutputConfig"]["Outputs"]
    destination = outputs[0]["S3Output"]["S3Uri"]
    pipeline.upsert(role_arn="arn:aws:iam::000000000000:role/any")
    upload_data(tmp_path, "demo/raw", data(ones=3, zeros=1))

    execution = pipeline.start()

    assert execution.describe()["PipelineExecutionStatus"] == "Succeeded"
    report = json.loads(S3Downloader.read_file(f"{destination}/evaluation.json"))
    assert report == {"binary_classification_metrics": {"accuracy": {"value": 0.75}}}


def test_a_failed_run_says_why_and_wait_raises(gate: Pipeline, tmp_path: Path) -> None:
    upload_data(tmp_path, "demo/raw", data(ones=1, zeros=3))

    execution = gate.start(parameters={"MinAccuracy": 0.6})
    described = execution.describe()
    steps = {s["StepName"]: s for s in execution.list_steps()}

    execution_id = execution.arn.rsplit("/", 1)[1]
    message = f"execution {execution_id} of {NAME} : accuracy 0.25 is below 0.6"
    check(described, "DescribePipelineExecutionResponse")
    assert (described["PipelineExecutionStatus"], described["FailureReason"]) == (
        "Failed",
        message,
    )
    assert steps["Gate"]["Metadata"] == {"Condition": {"Outcome": "False"}}
    assert steps["TooLow"]["Metadata"] == {"Fail": {"ErrorMessage": message}}
    assert steps["TooLow"]["FailureReason"] == message
    assert "Baseline" not in steps  # never started: SageMaker lists it not
    with pytest.raises(WaiterError, match="Failed"):
        execution.wait(delay=1, max_attempts=2)


def test_an_execution_is_found_by_its_arn_or_its_batchops_id(
    gate: Pipeline, tmp_path: Path
) -> None:
    upload_data(tmp_path, "demo/raw", data(ones=2, zeros=2))
    execution = gate.start()
    execution_id = execution.arn.rsplit("/", 1)[1]

    by_id, by_arn = _PipelineExecution(execution_id), _PipelineExecution(execution.arn)
    assert by_id.arn == by_arn.arn == execution.arn
    assert by_id.describe() == by_arn.describe()
    listed = run_batchops("execution", "list", "--pipeline", NAME, "-q")
    assert listed.stdout.split() == [execution_id]
    logs = run_batchops("execution", "logs", execution_id, "Prepare")
    assert "prepared 4 rows" in logs.stdout
    summaries = gate.list_executions()
    check(summaries, "ListPipelineExecutionsResponse")
    assert [s["PipelineExecutionArn"] for s in summaries["PipelineExecutionSummaries"]] == [
        execution.arn
    ]


def test_a_failed_execution_is_retried_by_batchops_in_a_fresh_process(
    gate: Pipeline, tmp_path: Path
) -> None:
    """The stored definition is all a retry needs: the notebook is gone, the input now there."""
    execution = gate.start()  # its input was never uploaded
    failed = execution.describe()
    assert failed["PipelineExecutionStatus"] == "Failed"
    assert "demo/raw/data.csv" in failed["FailureReason"]
    upload_data(tmp_path, "demo/raw", data(ones=5, zeros=1))

    retried = run_batchops("execution", "retry", execution.arn.rsplit("/", 1)[1], "--wait")

    assert retried.returncode == 0, retried.stdout + retried.stderr
    assert execution.describe()["PipelineExecutionStatus"] == "Succeeded"
    prepare = next(s for s in execution.list_steps() if s["StepName"] == "Prepare")
    assert prepare["AttemptCount"] == 2


def test_the_command_line_starts_it_with_an_s3_input(gate: Pipeline, tmp_path: Path) -> None:
    bucket = gate.sagemaker_session.default_bucket()
    upload_data(tmp_path, "elsewhere", data(ones=1, zeros=4))

    started = run_batchops(
        "pipeline", "start", NAME, "-p", f"InputData=s3://{bucket}/elsewhere/data.csv",
        "-p", "MinAccuracy=0.1", "--wait", "--json",
    )  # fmt: skip

    assert started.returncode == 0, started.stdout + started.stderr
    record = json.loads(started.stdout)
    assert record["parameters"]["InputData"] == f"s3://{bucket}/elsewhere/data.csv"
    execution = _PipelineExecution(record["id"])
    report = next(s for s in execution.list_steps() if s["StepName"] == "Gate")
    assert report["Metadata"] == {"Condition": {"Outcome": "True"}}
    evaluate = next(s for s in record["steps"] if s["name"] == "Evaluate")
    evaluation = Path(evaluate["properties"]["PropertyFiles"]["Report"])
    assert json.loads(evaluation.read_text())["binary_classification_metrics"] == {
        "accuracy": {"value": 0.2}
    }


def test_in_the_background_start_returns_and_wait_waits(
    gate: Pipeline, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    upload_data(tmp_path, "demo/raw", data(ones=4, zeros=1))
    monkeypatch.setenv("BATCHOPS_SAGEMAKER_ASYNC", "1")

    execution = gate.start()
    execution.wait(delay=1, max_attempts=120)

    assert execution.describe()["PipelineExecutionStatus"] == "Succeeded"


def test_the_pipeline_describes_itself_with_its_sagemaker_definition(gate: Pipeline) -> None:
    described = gate.describe()

    check(described, "DescribePipelineResponse")
    assert json.loads(described["PipelineDefinition"]) == json.loads(gate.definition())
    assert re.fullmatch(rf"{ACCOUNT}:pipeline/{NAME}", described["PipelineArn"])


def test_start_before_upsert_is_refused(tmp_path: Path) -> None:
    from batchops.errors import NotFound

    with pytest.raises(NotFound, match=r"call upsert\(role_arn=...\) before start\(\)"):
        gate_pipeline(tmp_path).start()


SLOW = """\
import os, pathlib, time
root = pathlib.Path(os.environ["BATCHOPS_PROCESSING_DIR"])
(root / "out" / "started").write_text("yes")
time.sleep(120)
"""


def test_an_execution_running_in_the_background_stops(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from batchops.sagemaker.processing import ProcessingOutput, ScriptProcessor
    from batchops.sagemaker.workflow.steps import ProcessingStep

    (tmp_path / "slow.py").write_text(SLOW)
    slow = ProcessingStep(
        name="Slow",
        processor=ScriptProcessor(
            image_uri="x.dkr.ecr.y/sagemaker-scikit-learn:1.0-1", command=["python3"]
        ),
        outputs=[ProcessingOutput(output_name="out", source="/opt/ml/processing/out")],
        code=str(tmp_path / "slow.py"),
    )
    pipeline = Pipeline(name="sdk-slow", steps=[slow])
    pipeline.upsert(role_arn="arn:aws:iam::000000000000:role/any")
    monkeypatch.setenv("BATCHOPS_SAGEMAKER_ASYNC", "1")

    execution = pipeline.start()
    deadline = time.monotonic() + 60
    while not execution.list_steps() or execution.list_steps()[0]["StepStatus"] != "Executing":
        assert time.monotonic() < deadline, "the step did not start"
        time.sleep(0.2)
    check(execution.stop(), "StopPipelineExecutionResponse")

    with pytest.raises(WaiterError, match='"Stopped"'):
        execution.wait(delay=1, max_attempts=60)
    assert execution.describe()["PipelineExecutionStatus"] == "Stopped"
    assert execution.list_steps()[0]["StepStatus"] == "Stopped"


def test_a_trained_model_is_registered_with_metrics_read_from_its_s3_uri(
    tmp_path: Path,
) -> None:
    """Training and registration as batchops runs them today: the TrainingJob and
    RegisterModel metadata in SageMaker's shapes, and the `MetricsSource` URI read through
    the same bucket mapping as every other `s3://` of the notebook."""
    from batchops import registry
    from batchops.sagemaker.estimator import Estimator
    from batchops.sagemaker.image_uris import retrieve
    from batchops.sagemaker.inputs import TrainingInput
    from batchops.sagemaker.model import Model
    from batchops.sagemaker.model_metrics import MetricsSource, ModelMetrics
    from batchops.sagemaker.workflow.model_step import ModelStep
    from batchops.sagemaker.workflow.pipeline_context import PipelineSession
    from batchops.sagemaker.workflow.steps import TrainingStep

    session = PipelineSession()
    bucket = session.default_bucket()
    train_data = upload_data(tmp_path, "t/train", data(ones=30, zeros=30))
    report = {"binary_classification_metrics": {"accuracy": {"value": 0.75}}}
    (tmp_path / "evaluation.json").write_text(json.dumps(report))
    S3Uploader.upload(str(tmp_path / "evaluation.json"), f"s3://{bucket}/t/eval")
    estimator = Estimator(
        image_uri=retrieve("xgboost", "us-east-1", "1.0-1"),
        role="arn:aws:iam::000000000000:role/any",
        instance_count=1,
        instance_type="ml.m5.xlarge",
        output_path=f"s3://{bucket}/t/models",
        sagemaker_session=session,
    )
    estimator.set_hyperparameters(objective="binary:logistic", num_round=4, max_depth=2)
    train = TrainingStep(
        "TrainModel",
        step_args=estimator.fit({"train": TrainingInput(train_data, content_type="text/csv")}),
    )
    model = Model(
        image_uri=estimator.training_image_uri(),
        model_data=train.properties.ModelArtifacts.S3ModelArtifacts,
        sagemaker_session=session,
    )
    register = ModelStep(
        "Register",
        step_args=model.register(
            content_types=["text/csv"],
            response_types=["text/csv"],
            model_package_group_name="sdk-churn",
            model_metrics=ModelMetrics(
                model_statistics=MetricsSource(
                    "application/json", f"s3://{bucket}/t/eval/evaluation.json"
                )
            ),
        ),
    )
    pipeline = Pipeline(name="sdk-train", steps=[train, register])
    pipeline.upsert(role_arn="arn:aws:iam::000000000000:role/any")

    execution = pipeline.start()

    steps = execution.list_steps()
    check({"PipelineExecutionSteps": steps}, "ListPipelineExecutionStepsResponse")
    execution_id = execution.arn.rsplit("/", 1)[1]
    assert [(s["StepName"], s["StepStatus"]) for s in steps] == [
        ("Register-RegisterModel", "Succeeded"),
        ("TrainModel", "Succeeded"),
    ]
    assert steps[1]["Metadata"] == {
        "TrainingJob": {"Arn": f"{ACCOUNT}:training-job/pipelines-{execution_id}-trainmodel"}
    }
    assert steps[0]["Metadata"] == {
        "RegisterModel": {"Arn": f"{ACCOUNT}:model-package/sdk-churn/1"}
    }
    version = registry.get_version("sdk-churn", 1)
    assert version.metrics == {"accuracy": 0.75}  # read from the bucket's folder
    assert version.status == "PendingManualApproval"
