"""Direct loss estimation: a regression model's expected error, before its labels come.

The idea of NannyML's DLE: on the reference period, where labels are known, train a second
model to predict each row's absolute error and squared error from what is known without a
label (the model's prediction, and its features when the caller has them). A batch's
expected mae is the mean of the predicted absolute errors, its mse the mean of the predicted
squared errors (rmse its root), and r2, Model Monitor's 1 - SSE / spread of the predictions,
follows because the spread of the predictions is known. Small XGBoost models (depth 3, 100
rounds, one thread, fixed seed): the same reference gives the same estimate. Like any
estimate from the reference, it holds while errors depend on the inputs as they did then (no
concept drift) and for inputs like the reference's.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from batchops.models.regression_metrics import regression_values

if TYPE_CHECKING:
    import numpy as np

REGRESSION_ESTIMATED = ("mae", "mse", "rmse", "r2")
PARAMETERS = {
    "objective": "reg:squarederror",
    "max_depth": 3,
    "eta": 0.1,
    "min_child_weight": 5,
    "nthread": 1,
    "seed": 0,
    "verbosity": 0,
}
ROUNDS = 100
FOLDS = 3


@dataclass(frozen=True)
class LossModel:
    """The two error models: absolute and squared error from the inputs."""

    absolute: Any
    squared: Any

    @classmethod
    def fit(cls, inputs: np.ndarray, errors: np.ndarray) -> LossModel:
        return cls(_train(inputs, abs(errors)), _train(inputs, errors * errors))

    def expected(self, inputs: np.ndarray, predictions: np.ndarray) -> dict[str, float]:
        """mae, mse, rmse and r2 a batch with these inputs is expected to realise."""
        import numpy as np

        absolute = np.maximum(_predict(self.absolute, inputs), 0.0)
        squared = np.maximum(_predict(self.squared, inputs), 0.0)
        return expected_figures(absolute, squared, predictions)


def expected_figures(
    absolute: np.ndarray, squared: np.ndarray, predictions: np.ndarray
) -> dict[str, float]:
    import numpy as np

    rows = predictions.size
    mse = float(squared.mean())
    spread = float(((predictions - predictions.mean()) ** 2).sum())
    return {
        "mae": float(absolute.mean()),
        "mse": mse,
        "rmse": float(np.sqrt(mse)),
        "r2": 1.0 - mse * rows / spread if spread else float("nan"),
    }


def cross_fitted(inputs: np.ndarray, errors: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each reference row's expected absolute and squared error from models fitted on the
    other folds: what the estimate would have said of rows it did not learn from."""
    import numpy as np

    fold = np.random.default_rng(0).permutation(errors.size) % FOLDS
    absolute = np.empty(errors.size)
    squared = np.empty(errors.size)
    for k in range(FOLDS):
        held = fold == k
        model = LossModel.fit(inputs[~held], errors[~held])
        absolute[held] = np.maximum(_predict(model.absolute, inputs[held]), 0.0)
        squared[held] = np.maximum(_predict(model.squared, inputs[held]), 0.0)
    return absolute, squared


def realised(labels: np.ndarray, predictions: np.ndarray) -> dict[str, float]:
    return regression_values(labels, predictions)


def _train(inputs: np.ndarray, target: np.ndarray) -> Any:
    import xgboost

    data = xgboost.DMatrix(inputs, label=target)
    return xgboost.train(PARAMETERS, data, num_boost_round=ROUNDS)


def _predict(booster: Any, inputs: np.ndarray) -> np.ndarray:
    import numpy as np

    return np.asarray(booster.inplace_predict(inputs), dtype=np.float64)
