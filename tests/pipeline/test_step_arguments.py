"""A step and its runner read one arguments dataclass: stored definitions keep their bytes.

The fixtures are definitions written before the arguments became dataclasses (the two
example pipelines, and one holding the remaining step types), and one holding the types a
SageMaker SDK pipeline adds (Model, Lambda); a stored definition must load, and write back,
unchanged.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from batchops.pipeline import (
    ConditionGreaterThanOrEqualTo,
    ConditionStep,
    FailStep,
    FunctionStep,
    Join,
    ParameterFloat,
    Pipeline,
)
from batchops.pipeline.references import decode, encode
from batchops.pipeline.steps import ARGUMENTS, StepType, arguments_from_json
from batchops.runtime.runners import RUNNERS, runner_for
from batchops.settings import get_settings
from batchops.store.statuses import ExecutionStatus, StepStatus

FIXTURES = Path(__file__).parent / "fixtures"
STORED = sorted(FIXTURES.glob("*.json"))


def _stored_steps() -> list[dict[str, object]]:
    return [s for path in STORED for s in json.loads(path.read_text())["Steps"]]


@pytest.mark.parametrize("path", STORED, ids=lambda p: p.stem)
def test_a_stored_definition_loads_and_writes_back_byte_for_byte(path: Path) -> None:
    stored = path.read_text()
    pipeline = Pipeline.from_definition(path.stem, stored)
    assert pipeline.definition_json() + "\n" == stored


@pytest.mark.parametrize("entry", _stored_steps(), ids=lambda s: f"{s['Type']}-{s['Name']}")
def test_each_step_type_s_arguments_map_to_and_from_the_stored_json(entry: dict) -> None:
    """Through the dataclass and back gives the stored JSON, references and all."""
    arguments = arguments_from_json(entry["Type"], decode(entry["Arguments"]))
    assert type(arguments).__name__ == f"{entry['Type']}Arguments"
    assert encode(arguments.to_json()) == entry["Arguments"]
    # As a runner sees them: references already replaced by plain values.
    if entry["Type"] != StepType.CONDITION:  # conditions always decode their references
        plain = arguments_from_json(entry["Type"], entry["Arguments"])
        assert arguments_from_json(entry["Type"], plain.to_json()) == plain


def test_the_stored_definitions_cover_every_step_type() -> None:
    assert {s["Type"] for s in _stored_steps()} == set(StepType)


def test_every_step_type_has_its_arguments_and_its_runner() -> None:
    assert set(ARGUMENTS) == set(StepType)
    assert set(RUNNERS) == set(StepType)
    assert all(runner_for(str(t)) is RUNNERS[t] for t in RUNNERS)


def test_a_step_type_this_version_does_not_know_is_refused_by_name() -> None:
    from batchops.errors import InvalidInput

    with pytest.raises(InvalidInput, match="unknown step type 'Notebook'"):
        runner_for("Notebook")
    with pytest.raises(InvalidInput, match="unknown step type 'Notebook'"):
        arguments_from_json("Notebook", {})


def _gate(pipeline_name: str) -> Pipeline:
    score = ParameterFloat("Score", 0.9)
    echo = FunctionStep(
        "Echo", function="builtins:dict", inputs={"value": score}, outputs=["value"]
    )
    after = FunctionStep("After", function="builtins:dict", inputs={"done": True})
    fail = FailStep("TooLow", error_message=Join(" ", ["score", score, "is too low"]))
    check = ConditionStep(
        "Check",
        conditions=[ConditionGreaterThanOrEqualTo(echo.properties.Outputs["value"], 0.5)],
        if_steps=[after],
        else_steps=[fail],
    )
    return Pipeline(pipeline_name, [score], [echo, check])


def _stored_statuses(execution_id: str) -> tuple[str, dict[str, str]]:
    engine = create_engine(get_settings().db_url)
    try:
        with engine.connect() as connection:
            execution = connection.execute(
                text("select status from executions where id = :id"), {"id": execution_id}
            ).scalar_one()
            steps = connection.execute(
                text("select name, status from step_runs where execution_id = :id"),
                {"id": execution_id},
            ).all()
    finally:
        engine.dispose()
    return execution, {name: status for name, status in steps}


def test_statuses_are_stored_and_shown_as_the_same_text_as_before() -> None:
    passed = _gate("gate").start({"Score": 0.9}, wait=True)
    failed = _gate("gate").start({"Score": 0.1}, wait=True)

    assert passed.status is ExecutionStatus.SUCCEEDED
    assert failed.status is ExecutionStatus.FAILED
    assert _stored_statuses(passed.id) == (
        "Succeeded",
        {"Echo": "Succeeded", "Check": "Succeeded", "After": "Succeeded", "TooLow": "NotExecuted"},
    )
    assert _stored_statuses(failed.id) == (
        "Failed",
        {"Echo": "Succeeded", "Check": "Succeeded", "After": "NotExecuted", "TooLow": "Failed"},
    )
    described = json.loads(json.dumps(failed.describe()))
    assert described["status"] == "Failed"
    assert described["failure_reason"] == "score 0.1 is too low"
    assert {s["status"] for s in described["steps"]} <= {str(s) for s in StepStatus}
