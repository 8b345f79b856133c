"""An evaluation in Model Monitor's shape, and the champion/challenger gate, per problem type.

`evaluation_report` turns a holdout's labels and a model's outputs into the statistics
document Model Monitor's model-quality job writes for the problem type (so a pipeline's
condition reads `regression_metrics.mse.value` or `binary_classification_metrics.accuracy
.value`, and the registry keeps the same names). `challenger_gate` scores the same holdout
with the approved model and says by how much the new one beats it on the problem type's own
metric: rmse lower is better, auc and accuracy higher, so `gap >= 0` always means "passes".
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from batchops.errors import InvalidInput
from batchops.models.metrics import binary_classification_metrics, evaluation_values
from batchops.models.multiclass_metrics import multiclass_classification_metrics
from batchops.models.problem_types import BINARY, REGRESSION, ProblemType
from batchops.models.regression_metrics import regression_metrics

if TYPE_CHECKING:
    import numpy as np


def evaluation_report(
    problem: ProblemType,
    labels: np.ndarray,
    outputs: np.ndarray,
    *,
    threshold: float = 0.5,
    classes: list[str] | None = None,
) -> dict[str, Any]:
    """Model Monitor's statistics of `outputs` (probabilities, values, or one probability
    per class in `classes` order; classes default to 0..k-1, as XGBoost numbers them)."""
    import numpy as np

    if problem is BINARY:
        return binary_classification_metrics(labels, outputs, threshold)
    if problem is REGRESSION:
        return regression_metrics(labels, outputs)
    scores = np.asarray(outputs, dtype=np.float64)
    if scores.ndim != 2:
        raise InvalidInput("a multiclass evaluation needs one probability per class and row")
    names = classes or [str(k) for k in range(scores.shape[1])]
    predicted = np.asarray(names)[scores.argmax(axis=1)]
    return multiclass_classification_metrics(_class_names(labels), predicted, classes=names)


def _class_names(labels: np.ndarray) -> np.ndarray:
    """Labels as class names; whole numbers (XGBoost's 0.0, 1.0 …) as `0`, `1` …"""
    import numpy as np

    values = np.asarray(labels)
    if values.dtype.kind == "f" and np.all(values == np.round(values)):
        return values.astype(np.int64).astype(str)
    return values.astype(str)


def challenger_gate(
    report: dict[str, Any],
    problem: ProblemType,
    labels: np.ndarray,
    features: np.ndarray,
    champion_model: str,
    metric: str | None = None,
    margin: float = 0.0,
    threshold: float = 0.5,
) -> dict[str, Any]:
    """The new model against the approved one on the same holdout: `gap` is how much better
    the new one is (new - champion, or champion - new where lower is better) less `margin`,
    so the gate passes at gap >= 0; without a champion the gap is 0 (it passes)."""
    from batchops.models import load_model

    name = metric or problem.headline
    new = evaluation_values(report).get(name)
    if new is None:
        raise InvalidInput(f"--challenger-metric {name!r} is not a {problem.name} metric")
    lower = problem.lower_better(name)
    gate: dict[str, Any] = {
        "metric": name,
        "lower_is_better": lower,
        "margin": margin,
        "new": new,
        "champion": None,
    }
    if not champion_model:
        return {**gate, "champion_model": None, "gap": 0.0}
    champion = load_model(champion_model)
    if champion.manifest.n_features != features.shape[1]:
        return {**gate, "champion_model": champion_model, "gap": 0.0, "note": "other layout"}
    figures = evaluation_report(problem, labels, champion.predict(features), threshold=threshold)
    old = evaluation_values(figures)[name]
    better = old - new if lower else new - old
    return {**gate, "champion": old, "champion_model": champion_model, "gap": better - margin}
