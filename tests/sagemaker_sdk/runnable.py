"""A pipeline of the steps batchops runs today, written as SDK notebooks write them.

Parameters (an `s3://` input, a threshold), a processing step from `run()` step arguments
with a fixed `s3://` destination, a legacy `processor=` step with a local script and a
property file, a condition on `JsonGet`, a data-quality baseline on one branch and a
`FailStep` whose message joins the execution id on the other. The scripts read
`$BATCHOPS_PROCESSING_DIR`; running scripts written for /opt/ml unchanged is another part.
"""

from __future__ import annotations

from pathlib import Path

from batchops.sagemaker.model_monitor import DatasetFormat
from batchops.sagemaker.processing import ProcessingInput, ProcessingOutput, ScriptProcessor
from batchops.sagemaker.s3 import S3Uploader
from batchops.sagemaker.sklearn.processing import SKLearnProcessor
from batchops.sagemaker.workflow.check_job_config import CheckJobConfig
from batchops.sagemaker.workflow.condition_step import ConditionStep
from batchops.sagemaker.workflow.conditions import ConditionGreaterThanOrEqualTo
from batchops.sagemaker.workflow.execution_variables import ExecutionVariables
from batchops.sagemaker.workflow.fail_step import FailStep
from batchops.sagemaker.workflow.functions import Join, JsonGet
from batchops.sagemaker.workflow.parameters import ParameterFloat, ParameterString
from batchops.sagemaker.workflow.pipeline import Pipeline
from batchops.sagemaker.workflow.pipeline_context import PipelineSession
from batchops.sagemaker.workflow.properties import PropertyFile
from batchops.sagemaker.workflow.quality_check_step import (
    DataQualityCheckConfig,
    QualityCheckStep,
)
from batchops.sagemaker.workflow.steps import ProcessingStep

NAME = "sdk-gate"

PREPARE = """\
import os, pathlib
root = pathlib.Path(os.environ["BATCHOPS_PROCESSING_DIR"])
rows = (root / "input" / "data.csv").read_text().splitlines()
print(f"prepared {len(rows)} rows")
(root / "train" / "train.csv").write_text("\\n".join(rows) + "\\n")
"""

EVALUATE = """\
import json, os, pathlib
root = pathlib.Path(os.environ["BATCHOPS_PROCESSING_DIR"])
labels = [line.split(",")[0] for line in (root / "train" / "train.csv").read_text().split()]
accuracy = labels.count("1") / len(labels)
report = {"binary_classification_metrics": {"accuracy": {"value": accuracy}}}
(root / "evaluation" / "evaluation.json").write_text(json.dumps(report))
"""


def data(ones: int, zeros: int) -> str:
    """CSV rows without a header: a label, then two numbers."""
    rows = [f"1,{n}.5,{n % 7}" for n in range(ones)] + [f"0,{n}.25,{n % 3}" for n in range(zeros)]
    return "\n".join(rows) + "\n"


def upload_data(folder: Path, key: str, text: str) -> str:
    """Put `text` at s3://<default bucket>/<key>/data.csv, as a notebook uploads its data."""
    (folder / "data.csv").write_text(text)
    bucket = PipelineSession().default_bucket()
    return S3Uploader.upload(str(folder / "data.csv"), f"s3://{bucket}/{key}")


def gate_pipeline(folder: Path) -> Pipeline:
    session = PipelineSession()
    bucket = session.default_bucket()
    (folder / "prepare.py").write_text(PREPARE)
    (folder / "evaluate.py").write_text(EVALUATE)
    code = S3Uploader.upload(str(folder / "prepare.py"), f"s3://{bucket}/demo/code")
    input_data = ParameterString(name="InputData", default_value=f"s3://{bucket}/demo/raw/data.csv")
    threshold = ParameterFloat(name="MinAccuracy", default_value=0.5)
    preparing = SKLearnProcessor(
        framework_version="1.0-1",
        role="arn:aws:iam::000000000000:role/any",
        instance_type="ml.m5.xlarge",
        instance_count=1,
        sagemaker_session=session,
    )
    prepare = ProcessingStep(
        name="Prepare",
        step_args=preparing.run(
            code=code,
            inputs=[ProcessingInput(source=input_data, destination="/opt/ml/processing/input")],
            outputs=[
                ProcessingOutput(
                    output_name="train",
                    source="/opt/ml/processing/train",
                    destination=f"s3://{bucket}/demo/prepared/train",
                )
            ],
        ),
    )
    train = prepare.properties.ProcessingOutputConfig.Outputs["train"].S3Output.S3Uri
    report = PropertyFile(name="Report", output_name="evaluation", path="evaluation.json")
    evaluate = ProcessingStep(
        name="Evaluate",
        processor=ScriptProcessor(
            image_uri="000000000000.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.0-1-cpu-py3",
            command=["python3"],
            instance_type="ml.m5.xlarge",
            instance_count=1,
            base_job_name="evaluation",
            sagemaker_session=session,
        ),
        inputs=[ProcessingInput(source=train, destination="/opt/ml/processing/train")],
        outputs=[
            ProcessingOutput(output_name="evaluation", source="/opt/ml/processing/evaluation")
        ],
        code=str(folder / "evaluate.py"),
        property_files=[report],
    )
    accuracy = JsonGet(
        step_name=evaluate.name,
        property_file=report,
        json_path="binary_classification_metrics.accuracy.value",
    )
    baseline = QualityCheckStep(
        name="Baseline",
        quality_check_config=DataQualityCheckConfig(
            baseline_dataset=train, dataset_format=DatasetFormat.csv(header=False)
        ),
        check_job_config=CheckJobConfig(role="arn:aws:iam::000000000000:role/any"),
        skip_check=True,
        register_new_baseline=True,
    )
    too_low = FailStep(
        name="TooLow",
        error_message=Join(
            on=" ",
            values=[
                "execution",
                ExecutionVariables.PIPELINE_EXECUTION_ID,
                "of",
                ExecutionVariables.PIPELINE_NAME,
                ": accuracy",
                accuracy,
                "is below",
                threshold,
            ],
        ),
    )
    gate = ConditionStep(
        name="Gate",
        conditions=[ConditionGreaterThanOrEqualTo(left=accuracy, right=threshold)],
        if_steps=[baseline],
        else_steps=[too_low],
    )
    return Pipeline(name=NAME, parameters=[input_data, threshold], steps=[prepare, evaluate, gate])
