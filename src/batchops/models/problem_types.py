"""Model Monitor's three problem types: their document keys, metrics and which way is better.

`ProblemType` carries what every consumer asks of a problem type: the statistics key
(`regression_metrics`), the constraints key (`regression_constraints`), the metrics a
constraint is suggested for with Model Monitor's comparison operator, and the headline metric
a champion/challenger gate and the page compare on (rmse lower is better, auc and accuracy
higher).
"""

from __future__ import annotations

from dataclasses import dataclass

from batchops.errors import InvalidInput

LESS_THAN = "LessThanThreshold"
GREATER_THAN = "GreaterThanThreshold"


@dataclass(frozen=True)
class ProblemType:
    name: str
    metrics_key: str
    constraints_key: str
    higher_is_better: tuple[str, ...]
    lower_is_better: tuple[str, ...]
    headline: str
    """The metric a challenger must beat the champion on by default."""
    shown: tuple[str, ...]
    """The figures a summary, the command line and the page's trend show first."""

    def lower_better(self, metric: str) -> bool:
        """Whether a lower value of `metric` is the better one (errors, losses, rates of error)."""
        return metric in self.lower_is_better

    def constrained(self) -> dict[str, str]:
        """Metric -> the comparison operator a suggested constraint gets: a value worse than
        the baseline's violates (LessThanThreshold for higher-is-better figures)."""
        return {
            **dict.fromkeys(self.higher_is_better, LESS_THAN),
            **dict.fromkeys(self.lower_is_better, GREATER_THAN),
        }


BINARY = ProblemType(
    "BinaryClassification",
    "binary_classification_metrics",
    "binary_classification_constraints",
    (
        "accuracy",
        "precision",
        "recall",
        "f0_5",
        "f1",
        "f2",
        "auc",
        "true_positive_rate",
        "true_negative_rate",
    ),
    ("false_positive_rate", "false_negative_rate"),
    "auc",
    ("accuracy", "auc"),
)
MULTICLASS = ProblemType(
    "MulticlassClassification",
    "multiclass_classification_metrics",
    "multiclass_classification_constraints",
    (
        "accuracy",
        "weighted_recall",
        "weighted_precision",
        "weighted_f0_5",
        "weighted_f1",
        "weighted_f2",
    ),
    (),
    "accuracy",
    ("accuracy", "weighted_f1"),
)
REGRESSION = ProblemType(
    "Regression",
    "regression_metrics",
    "regression_constraints",
    ("r2",),
    ("mae", "mse", "rmse"),
    "rmse",
    ("rmse", "mae", "r2"),
)
PROBLEM_TYPES = {p.name: p for p in (REGRESSION, BINARY, MULTICLASS)}
SHOWN = tuple(dict.fromkeys(name for p in (BINARY, MULTICLASS, REGRESSION) for name in p.shown))
"""Every problem type's first-shown figures, once each: what a trend or comparison lists."""


def problem_type(name: str) -> ProblemType:
    """The problem type of Model Monitor's name (`Regression`, ...); one clear error otherwise."""
    found = PROBLEM_TYPES.get(str(name))
    if found is None:
        raise InvalidInput(
            f"problem type {name!r} is not one of {', '.join(PROBLEM_TYPES)} (Model Monitor's)"
        )
    return found


def of_document(document: dict[str, object]) -> ProblemType | None:
    """The problem type a statistics or evaluation document is of, by its metrics key."""
    for found in PROBLEM_TYPES.values():
        if found.metrics_key in document or found.constraints_key in document:
            return found
    return None


def of_objective(objective: str | None) -> ProblemType | None:
    """The problem type an XGBoost objective trains for (`reg:squarederror`: Regression,
    `multi:softprob`: MulticlassClassification, `binary:logistic`: BinaryClassification)."""
    kind = str(objective or "").split(":", 1)[0]
    return {"reg": REGRESSION, "binary": BINARY, "multi": MULTICLASS}.get(kind)


def lower_is_better(metric: str) -> bool:
    """Whether lower is better for a metric of any problem type (rmse, mae, error rates)."""
    return any(p.lower_better(metric) for p in PROBLEM_TYPES.values())
