"""Runs ConditionStep (records which branch runs) and FailStep (ends the execution, failed)."""

from __future__ import annotations

from batchops.pipeline.graph import StepNode
from batchops.pipeline.steps.condition import ConditionArguments, FailArguments
from batchops.runtime.context import StepContext, StepFailed, StepOutcome


def run_condition(node: StepNode, context: StepContext) -> StepOutcome:
    results = []
    for condition in ConditionArguments.from_json(node.arguments).conditions:
        value = condition.evaluate(context.resolution)
        described = getattr(condition, "describe", None)
        context.log(
            f"{condition.kind}: {described(context.resolution) if described else ''} -> {value}"
        )
        results.append({"Type": condition.kind, "Outcome": value})
    outcome = all(r["Outcome"] for r in results)
    context.log(f"outcome: {outcome}; running {'IfSteps' if outcome else 'ElseSteps'}")
    return StepOutcome(properties={"Outcome": outcome, "EvaluatedConditions": results})


def run_fail(node: StepNode, context: StepContext) -> StepOutcome:
    message = FailArguments.from_json(context.arguments(node)).error_message
    raise StepFailed(str(message) or f"FailStep {node.name} reached")
