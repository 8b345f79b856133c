"""Regression metrics under SageMaker Model Monitor's model-quality names.

`regression_metrics(y_true, y_pred)` returns the document Model Monitor's model-quality job
writes: `{"regression_metrics": {"mae", "mse", "rmse", "r2"}}`, each `{"value",
"standard_deviation"}`. The figures equal the service's own to the last digit because they
are summed as it sums them, left to right (numpy's pairwise sum differs in the last place):
a running sum (`cumsum`) is that order, vectorised.

r2 is Model Monitor's, not the textbook's: 1 - SSE / sum((prediction - mean prediction)^2),
the predictions' spread in the denominator where the coefficient of determination has the
labels'. SageMaker's own files say so (on its regression example the textbook r2 is -0.335,
the file -3.2088); we reproduce the service, so its baselines and ours agree (docs/).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from batchops.errors import InvalidInput
from batchops.models.metrics import json_number, spread_of, subsample_masks

if TYPE_CHECKING:
    import numpy as np

NAMES = ("mae", "mse", "rmse", "r2")


def regression_metrics(y_true: Any, y_pred: Any, *, seed: int = 0) -> dict[str, Any]:
    """Model Monitor's `regression_metrics` document for numeric labels and predictions;
    standard deviations over 5 subsamples of 80% (drawn with `seed`), "NaN" below 200 rows."""
    truth, pred = _validated(y_true, y_pred)
    values = regression_values(truth, pred)
    draws = [
        regression_values(truth[mask], pred[mask]) for mask in subsample_masks(truth.size, seed)
    ]
    deviations = spread_of(draws, NAMES)
    return {
        "version": 0.0,
        "dataset": {"item_count": int(truth.size)},
        "regression_metrics": {
            name: {"value": json_number(values[name]), "standard_deviation": deviations[name]}
            for name in NAMES
        },
    }


def regression_values(truth: np.ndarray, pred: np.ndarray) -> dict[str, float]:
    """mae, mse, rmse and Model Monitor's r2, summed left to right as the service sums them."""
    import numpy as np

    def total(values: np.ndarray) -> float:
        return float(np.cumsum(values)[-1])

    rows = truth.size
    error = truth - pred
    squared = total(error * error)
    mean_prediction = total(pred) / rows
    spread = total((pred - mean_prediction) ** 2)
    mse = squared / rows
    return {
        "mae": total(np.abs(error)) / rows,
        "mse": mse,
        "rmse": float(np.sqrt(mse)),
        "r2": 1.0 - squared / spread if spread else float("nan"),
    }


def _validated(y_true: Any, y_pred: Any) -> tuple[np.ndarray, np.ndarray]:
    import numpy as np

    truth = np.asarray(y_true, dtype=np.float64).reshape(-1)
    pred = np.asarray(y_pred, dtype=np.float64).reshape(-1)
    if truth.size != pred.size:
        raise InvalidInput(f"{truth.size} labels but {pred.size} predictions")
    if truth.size == 0:
        raise InvalidInput("no rows to evaluate")
    for values, what in ((truth, "labels"), (pred, "predictions")):
        bad = ~np.isfinite(values)
        if bad.any():
            raise InvalidInput(f"{what} hold {values[bad][0]} at row {int(np.argmax(bad)) + 1}")
    return truth, pred
