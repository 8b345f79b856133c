"""Model-quality constraints as Model Monitor suggests and checks them, for every problem type.

`constraints.json` holds `<problem>_constraints` (`regression_constraints`,
`binary_classification_constraints`, `multiclass_classification_constraints`): per metric a
`threshold` and a `comparison_operator`. Suggested from a baseline's statistics at the
baseline's own values, with the operator that makes a worse value a violation
(LessThanThreshold for figures where higher is better, GreaterThanThreshold for errors).

A value equal to its threshold never violates, even when another summation order changed its
last digit (numpy's r2 of SageMaker's regression example is -3.208758170289027 against the
service's -3.208758170289026): values are compared with a tolerance of 1e-12 relative.
Violations are written as the service writes them: `{"metric_name", "constraint_check_type"
(the operator), "description": "Metric mse with 0.33 was GreaterThanThreshold 0.03"}`.
"""

from __future__ import annotations

from typing import Any

from batchops.errors import InvalidInput
from batchops.models.problem_types import PROBLEM_TYPES, ProblemType, of_document

OPERATORS = {
    "LessThanThreshold": lambda value, threshold: value < threshold,
    "LessThanOrEqualToThreshold": lambda value, threshold: value <= threshold,
    "GreaterThanThreshold": lambda value, threshold: value > threshold,
    "GreaterThanOrEqualToThreshold": lambda value, threshold: value >= threshold,
}
TOLERANCE = 1e-12


def suggest_constraints(statistics: dict[str, Any]) -> dict[str, Any]:
    """Thresholds at the baseline's own values: worse than the baseline is a violation."""
    problem = _problem_of(statistics, "statistics")
    body = statistics.get(problem.metrics_key, {})
    found: dict[str, Any] = {}
    for name, operator in problem.constrained().items():
        value = body.get(name, {}).get("value")
        if isinstance(value, int | float):
            found[name] = {"threshold": value, "comparison_operator": operator}
    return {"version": 0.0, problem.constraints_key: found}


def check_constraints(
    statistics: dict[str, Any], constraints: dict[str, Any]
) -> list[dict[str, Any]]:
    """A violation per metric whose value meets its constraint's comparison operator."""
    problem = _problem_of(statistics, "statistics")
    wanted = constraints.get(problem.constraints_key)
    if not isinstance(wanted, dict):
        given = of_document(constraints)
        other = f" (they are {given.name}'s)" if given else ""
        raise InvalidInput(f"constraints: expected a {problem.constraints_key} object{other}")
    body = statistics.get(problem.metrics_key, {})
    violations = []
    for name, rule in wanted.items():
        operator = rule.get("comparison_operator") if isinstance(rule, dict) else None
        threshold = rule.get("threshold") if isinstance(rule, dict) else None
        if operator not in OPERATORS or not isinstance(threshold, int | float):
            raise InvalidInput(
                f"constraints: {name} needs a numeric threshold and a comparison_operator of "
                f"{', '.join(OPERATORS)}"
            )
        value = body.get(name, {}).get("value")
        if not isinstance(value, int | float):
            continue
        margin = TOLERANCE * max(1.0, abs(threshold))
        nudged = value + margin if operator.startswith("Less") else value - margin
        if OPERATORS[operator](nudged, threshold):
            violations.append(
                {
                    "metric_name": name,
                    "constraint_check_type": operator,
                    "description": f"Metric {name} with {value} was {operator} {threshold}",
                }
            )
    return violations


def _problem_of(document: dict[str, Any], what: str) -> ProblemType:
    found = of_document(document)
    if found is None:
        keys = ", ".join(p.metrics_key for p in PROBLEM_TYPES.values())
        raise InvalidInput(f"{what}: expected one of {keys}")
    return found
