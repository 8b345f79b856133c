"""The walkthrough's two notebooks, written against batchops.sagemaker only, define the step
graphs SageMaker builds for them (SURFACE.md §2.3 and §3.3): step names, SageMaker types,
DependsOn, `Get` references and branch membership, in `definition()` and in what upsert()
stores."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from batchops.pipeline.graph import PipelineGraph
from batchops.runtime.catalog import get_definition
from sagemaker_sdk.notebooks import batch_monitor_pipeline, train_baseline_pipeline, upload_scripts

IF = "if"

NOTEBOOK_1 = {  # name: (type, the steps it reads, DependsOn, (condition, branch) or None)
    "PrepareData": ("Processing", set(), [], None),
    "TrainModel": ("Training", {"PrepareData"}, [], None),
    "EvaluateModel": ("Processing", {"TrainModel", "PrepareData"}, [], None),
    "PerformanceConditionalCheck": ("Condition", {"EvaluateModel"}, [], None),
    "DataQualityCheckStep": (
        "QualityCheck",
        {"PrepareData"},
        [],
        ("PerformanceConditionalCheck", IF),
    ),
    "CustomerChurnCreateModel-CreateModel": (
        "Model",
        {"TrainModel"},
        [],
        ("PerformanceConditionalCheck", IF),
    ),
    "RegisterModel-RegisterModel": (
        "RegisterModel",
        {"TrainModel", "CustomerChurnCreateModel-CreateModel", "DataQualityCheckStep"},
        [],
        ("PerformanceConditionalCheck", IF),
    ),
}

NOTEBOOK_2 = {
    "LambdaStepGetApprovedModel": ("Lambda", set(), [], None),
    "MonitorCustomerChurnDataQuality-monitoring": (
        "QualityCheck",
        {"LambdaStepGetApprovedModel"},
        [],
        None,
    ),
    "MonitorCustomerChurnDataQuality-transform": (
        "Transform",
        {"LambdaStepGetApprovedModel"},
        ["MonitorCustomerChurnDataQuality-monitoring"],
        None,
    ),
}


def _gets(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        if set(value) == {"Get"}:
            yield value["Get"]
        for key, item in value.items():
            if key not in ("IfSteps", "ElseSteps"):
                yield from _gets(item)
    elif isinstance(value, list):
        for item in value:
            yield from _gets(item)


def graph_of(definition: dict[str, Any]) -> dict[str, tuple[Any, ...]]:
    """Each step of SageMaker's JSON: type, steps it reads, DependsOn and branch."""
    found: dict[str, tuple[Any, ...]] = {}

    def walk(steps: list[dict[str, Any]], branch: tuple[str, str] | None) -> None:
        for step in steps:
            reads = {get.split(".")[1] for get in _gets(step) if get.startswith("Steps.")}
            found[step["Name"]] = (step["Type"], reads, step.get("DependsOn", []), branch)
            if step["Type"] == "Condition":
                walk(step["Arguments"]["IfSteps"], (step["Name"], "if"))
                walk(step["Arguments"]["ElseSteps"], (step["Name"], "else"))

    walk(definition["Steps"], None)
    return found


@pytest.fixture
def notebook_1(tmp_path: Path) -> Any:
    upload_scripts(tmp_path)
    return train_baseline_pipeline()


def test_notebook_1_defines_sagemaker_s_step_graph(notebook_1: Any) -> None:
    definition = json.loads(notebook_1.definition())

    assert graph_of(definition) == NOTEBOOK_1
    assert [s["Name"] for s in definition["Steps"]] == [
        "PrepareData",
        "TrainModel",
        "EvaluateModel",
        "PerformanceConditionalCheck",
    ]
    assert definition["Parameters"] == [
        {
            "Name": "InputData",
            "Type": "String",
            "DefaultValue": "s3://sagemaker-us-east-1-000000000000/"
            "aim321-demo-model-monitor-batch-transform/raw-customer-data/20221122/"
            "churn-dataset.csv",
        }
    ]


def test_notebook_1_s_references_are_spelled_as_sagemaker_spells_them(notebook_1: Any) -> None:
    steps = {s["Name"]: s for s in json.loads(notebook_1.definition())["Steps"]}
    condition = steps["PerformanceConditionalCheck"]
    branch = {s["Name"]: s for s in condition["Arguments"]["IfSteps"]}
    channels = steps["TrainModel"]["Arguments"]["InputDataConfig"]
    register = branch["RegisterModel-RegisterModel"]["Arguments"]

    assert [c["DataSource"]["S3DataSource"]["S3Uri"] for c in channels] == [
        {"Get": "Steps.PrepareData.ProcessingOutputConfig.Outputs['train'].S3Output.S3Uri"},
        {"Get": "Steps.PrepareData.ProcessingOutputConfig.Outputs['validation'].S3Output.S3Uri"},
    ]
    assert condition["Arguments"]["Conditions"] == [
        {
            "Type": "GreaterThanOrEqualTo",
            "LeftValue": {
                "Std:JsonGet": {
                    "PropertyFile": {"Get": "Steps.EvaluateModel.PropertyFiles.EvaluationReport"},
                    "Path": "binary_classification_metrics.accuracy.value",
                }
            },
            "RightValue": 0.4,
        }
    ]
    assert register["CustomerMetadataProperties"] == {
        "ModelName": {"Get": "Steps.CustomerChurnCreateModel-CreateModel.ModelName"}
    }
    assert register["DriftCheckBaselines"]["ModelDataQuality"]["Statistics"]["S3Uri"] == {
        "Get": "Steps.DataQualityCheckStep.BaselineUsedForDriftCheckStatistics"
    }
    assert register["ModelMetrics"]["ModelDataQuality"]["Constraints"]["S3Uri"] == {
        "Get": "Steps.DataQualityCheckStep.CalculatedBaselineConstraints"
    }
    assert steps["EvaluateModel"]["PropertyFiles"] == [
        {
            "PropertyFileName": "EvaluationReport",
            "OutputName": "evaluation",
            "FilePath": "evaluation.json",
        }
    ]


def test_the_evaluation_s_default_destination_is_a_fixed_plain_string(notebook_1: Any) -> None:
    """§7.3: the notebook formats `.arguments[...]['S3Uri']` into the register step's metrics;
    it is a plain string, the same on every look, and the output's destination from then on."""
    steps = {s["Name"]: s for s in json.loads(notebook_1.definition())["Steps"]}
    evaluation = steps["EvaluateModel"]["Arguments"]["ProcessingOutputConfig"]["Outputs"][0]
    branch = steps["PerformanceConditionalCheck"]["Arguments"]["IfSteps"]
    register = next(s for s in branch if s["Name"] == "RegisterModel-RegisterModel")
    report = register["Arguments"]["ModelMetrics"]["ModelQuality"]["Statistics"]["S3Uri"]

    destination = evaluation["S3Output"]["S3Uri"]
    assert re.fullmatch(
        r"s3://sagemaker-us-east-1-000000000000/evaluation-"
        r"\d{4}(-\d\d){5}-\d{3}/output/evaluation",
        destination,
    )
    assert report == f"{destination}/evaluation.json"
    assert json.loads(notebook_1.definition()) == json.loads(notebook_1.definition())


def test_notebook_2_defines_sagemaker_s_step_graph(tmp_path: Path) -> None:
    definition = json.loads(batch_monitor_pipeline(tmp_path).definition())
    steps = {s["Name"]: s for s in definition["Steps"]}
    monitoring = steps["MonitorCustomerChurnDataQuality-monitoring"]
    transform = steps["MonitorCustomerChurnDataQuality-transform"]

    assert graph_of(definition) == NOTEBOOK_2
    assert transform["Arguments"]["ModelName"] == {
        "Get": "Steps.LambdaStepGetApprovedModel.OutputParameters['modelName']"
    }
    assert monitoring["SuppliedBaselineStatistics"] == {
        "Get": "Steps.LambdaStepGetApprovedModel.OutputParameters['s3uriStatistics']"
    }
    assert (monitoring["SkipCheck"], monitoring["FailOnViolation"]) == (False, False)
    assert steps["LambdaStepGetApprovedModel"]["OutputParameters"] == [
        {"OutputName": name, "OutputType": "String"}
        for name in ("statusCode", "modelArn", "s3uriConstraints", "s3uriStatistics", "modelName")
    ]
    assert definition["Parameters"][0]["Name"] == "transform_input"


@pytest.mark.parametrize("notebook", ["train-baseline", "batch-monitor"])
def test_what_upsert_stores_runs_the_same_graph(notebook: str, tmp_path: Path) -> None:
    """The stored batchops definition orders the steps as SageMaker would: each after what it
    reads and what it depends on, and a branch's steps after their condition."""
    if notebook == "train-baseline":
        upload_scripts(tmp_path)
        pipeline, expected = train_baseline_pipeline(), NOTEBOOK_1
    else:
        pipeline, expected = batch_monitor_pipeline(tmp_path), NOTEBOOK_2
    response = pipeline.upsert(role_arn="arn:aws:iam::000000000000:role/any")

    assert response["PipelineArn"].endswith(f":pipeline/{pipeline.name}")
    stored = PipelineGraph.from_definition(get_definition(pipeline.name)[1])
    for name, (_, reads, depends_on, branch) in expected.items():
        node = stored.steps[name]
        condition = {branch[0]} if branch else set()
        assert node.depends_on == reads | set(depends_on) | condition, name
        assert node.branch == ((branch[0], branch[1] == IF) if branch else None)
    assert set(stored.steps) == set(expected)
