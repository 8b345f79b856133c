"""The DSL: JSON round trip, dependency inference, and refusal of invalid definitions."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from batchops.errors import InvalidInput
from batchops.pipeline import (
    CacheConfig,
    ConditionGreaterThanOrEqualTo,
    ConditionStep,
    FailStep,
    Join,
    JsonGet,
    ParameterBoolean,
    ParameterFloat,
    ParameterInteger,
    ParameterString,
    Pipeline,
    ProcessingInput,
    ProcessingOutput,
    ProcessingStep,
    PropertyFile,
)
from batchops.pipeline.graph import PipelineGraph
from batchops.pipeline.parameters import bind_parameters
from batchops.pipeline.steps.base import parse_iso_duration


def _pipeline(tmp_path: Path) -> Pipeline:
    script = tmp_path / "s.py"
    script.write_text("print('hi')\n")
    data = ParameterString("InputData", "/data/in.csv")
    threshold = ParameterFloat("MinAccuracy", 0.7)
    report = PropertyFile("Report", "evaluation", "evaluation.json")
    prepare = ProcessingStep(
        "Prepare",
        code=script,
        inputs=[ProcessingInput(data, "/opt/ml/processing/input")],
        outputs=[ProcessingOutput("train", "/opt/ml/processing/train")],
        cache_config=CacheConfig(True, "PT12H"),
    )
    evaluate = ProcessingStep(
        "Evaluate",
        code=script,
        inputs=[
            ProcessingInput(
                prepare.properties.ProcessingOutputConfig.Outputs["train"].S3Output.S3Uri, "input/t"
            )
        ],
        outputs=[ProcessingOutput("evaluation", "evaluation")],
        property_files=[report],
    )
    accuracy = JsonGet(evaluate, report, "binary_classification_metrics.accuracy.value")
    fail = FailStep("TooLow", error_message=Join(" ", ["accuracy", accuracy, "<", threshold]))
    after = ProcessingStep("After", code=script, depends_on=["Evaluate"])
    check = ConditionStep(
        "Check",
        conditions=[ConditionGreaterThanOrEqualTo(accuracy, threshold)],
        if_steps=[after],
        else_steps=[fail],
    )
    return Pipeline("p", [data, threshold], [prepare, evaluate, check])


def test_definition_round_trips_through_json_unchanged(tmp_path: Path) -> None:
    pipeline = _pipeline(tmp_path)
    text = pipeline.definition_json()
    again = Pipeline.from_definition("p", json.loads(text))
    assert again.definition() == json.loads(text)
    assert again.digest() == pipeline.digest()


def test_dependencies_are_inferred_from_references_branches_and_depends_on(tmp_path: Path) -> None:
    graph = _pipeline(tmp_path).graph
    assert graph.steps["Prepare"].depends_on == set()
    assert graph.steps["Evaluate"].depends_on == {"Prepare"}
    assert graph.steps["Check"].depends_on == {"Evaluate"}
    assert graph.steps["After"].depends_on == {"Evaluate", "Check"}
    assert graph.steps["After"].branch == ("Check", True)
    assert graph.steps["TooLow"].branch == ("Check", False)
    order = graph.order()
    assert (
        order.index("Prepare")
        < order.index("Evaluate")
        < order.index("Check")
        < order.index("After")
    )


def test_sagemaker_processing_paths_map_below_the_job_root(tmp_path: Path) -> None:
    steps = _pipeline(tmp_path).definition()["Steps"]
    prepare = next(s for s in steps if s["Name"] == "Prepare")
    assert prepare["Arguments"]["Inputs"][0]["Destination"] == "input"
    assert prepare["Arguments"]["Outputs"][0]["Source"] == "train"


def _definition_with(steps: list[dict]) -> dict:
    return {
        "Version": "2020-12-01",
        "Parameters": [{"Name": "X", "Type": "String"}],
        "Steps": steps,
    }


def _step(name: str, **arguments: object) -> dict:
    return {"Name": name, "Type": "Function", "Arguments": {"Function": "m:f", **arguments}}


def test_a_cycle_is_refused_with_its_path() -> None:
    definition = _definition_with(
        [
            _step("A", Inputs={"x": {"Get": "Steps.B.Outputs.y"}}),
            _step("B", Inputs={"x": {"Get": "Steps.A.Outputs.y"}}),
        ]
    )
    with pytest.raises(InvalidInput, match=r"cycle: A -> B -> A|cycle: B -> A -> B"):
        PipelineGraph.from_definition(definition)


def test_duplicate_and_unknown_names_are_refused() -> None:
    with pytest.raises(InvalidInput, match="duplicate step name 'A'"):
        PipelineGraph.from_definition(_definition_with([_step("A"), _step("A")]))
    with pytest.raises(InvalidInput, match="unknown step 'Nope'"):
        PipelineGraph.from_definition(
            _definition_with([_step("A", Inputs={"x": {"Get": "Steps.Nope.Outputs.y"}})])
        )
    with pytest.raises(InvalidInput, match="unknown parameter 'Y'"):
        PipelineGraph.from_definition(
            _definition_with([_step("A", Inputs={"x": {"Get": "Parameters.Y"}})])
        )
    with pytest.raises(InvalidInput, match="depends on unknown step 'Z'"):
        PipelineGraph.from_definition(_definition_with([{**_step("A"), "DependsOn": ["Z"]}]))


def test_a_duplicate_step_object_name_in_python_is_refused(tmp_path: Path) -> None:
    script = tmp_path / "s.py"
    script.write_text("")
    with pytest.raises(InvalidInput, match="duplicate step name 'A'"):
        Pipeline("p", [], [ProcessingStep("A", code=script), ProcessingStep("A", code=script)])


def test_parameters_parse_text_and_refuse_wrong_types() -> None:
    declared = [
        ParameterString("S", "a"),
        ParameterInteger("I", 1),
        ParameterFloat("F", 0.5),
        ParameterBoolean("B", False),
    ]
    values = bind_parameters(declared, {"I": "7", "F": "0.25", "B": "true"})
    assert values == {"S": "a", "I": 7, "F": 0.25, "B": True}
    with pytest.raises(InvalidInput, match="parameter 'F' expects a float, got 'high'"):
        bind_parameters(declared, {"F": "high"})
    with pytest.raises(InvalidInput, match="unknown parameter 'Nope'"):
        bind_parameters(declared, {"Nope": "1"})
    with pytest.raises(InvalidInput, match="parameter 'I' expects a integer"):
        bind_parameters(declared, {"I": "1.5"})


def test_cache_expiry_is_an_iso_8601_duration() -> None:
    assert parse_iso_duration("PT12H").total_seconds() == 12 * 3600
    assert parse_iso_duration("P1DT30M").total_seconds() == 86400 + 1800
    with pytest.raises(InvalidInput, match="ISO 8601"):
        CacheConfig(True, "12 hours")
