"""Runs ConditionStep (records which branch runs) and FailStep (ends the execution, failed)."""

from __future__ import annotations

from batchops.pipeline.conditions import condition_from_json
from batchops.pipeline.graph import StepNode
from batchops.runtime.context import StepContext, StepFailed, StepOutcome


def run_condition(node: StepNode, context: StepContext) -> StepOutcome:
    results = []
    for data in node.arguments.get("Conditions", []):
        condition = condition_from_json(data)
        value = condition.evaluate(context.resolution)
        described = getattr(condition, "describe", None)
        context.log(
            f"{data['Type']}: {described(context.resolution) if described else ''} -> {value}"
        )
        results.append({"Type": data["Type"], "Outcome": value})
    outcome = all(r["Outcome"] for r in results)
    context.log(f"outcome: {outcome}; running {'IfSteps' if outcome else 'ElseSteps'}")
    return StepOutcome(properties={"Outcome": outcome, "EvaluatedConditions": results})


def run_fail(node: StepNode, context: StepContext) -> StepOutcome:
    message = context.resolve(node.arguments.get("ErrorMessage", ""))
    raise StepFailed(str(message) or f"FailStep {node.name} reached")
