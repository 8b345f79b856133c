"""Multiclass metrics under SageMaker Model Monitor's model-quality names.

`multiclass_classification_metrics(y_true, y_pred)` takes labels and predicted labels of any
text (class names) and returns Model Monitor's `multiclass_classification_metrics`: the
confusion matrix (outer key the actual class, inner the predicted one), accuracy, the
support-weighted recall, precision and F0.5/F1/F2, and the same figures of the best constant
classifier (the one that always predicts the most frequent actual class), each `{"value",
"standard_deviation"}`; plus `per_class` (precision, recall, f1 and support of each class).
A class the model never predicts has precision 0 (0 true of 0 predicted), as scikit-learn's
default counts it. Everything comes from the confusion matrix, one `bincount`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from batchops.errors import InvalidInput
from batchops.models.metrics import f_beta, json_number, spread_of, subsample_masks

if TYPE_CHECKING:
    import numpy as np

BETAS = {"f0_5": 0.5, "f1": 1.0, "f2": 2.0}


def multiclass_classification_metrics(
    y_true: Any, y_pred: Any, *, classes: Any = None, seed: int = 0
) -> dict[str, Any]:
    """Model Monitor's `multiclass_classification_metrics` document; `classes` (optional)
    fixes the classes' order and adds classes neither side holds."""
    import numpy as np

    names, truth, pred = encode_classes(y_true, y_pred, classes)
    count = len(names)
    matrix = _confusion(truth, pred, count)
    values = _values(matrix)
    draws = [
        _values(_confusion(truth[m], pred[m], count)) for m in subsample_masks(truth.size, seed)
    ]
    deviations = spread_of(draws, values)
    body: dict[str, Any] = {
        "confusion_matrix": {
            actual: {guess: int(matrix[i, j]) for j, guess in enumerate(names)}
            for i, actual in enumerate(names)
        }
    }
    for name, value in values.items():
        body[name] = {"value": json_number(value), "standard_deviation": deviations[name]}
    precision, recall = _per_class(matrix)
    body["per_class"] = {
        name: {
            "precision": float(precision[i]),
            "recall": float(recall[i]),
            "f1": f_beta(float(precision[i]), float(recall[i]), 1.0),
            "support": int(matrix[i].sum()),
        }
        for i, name in enumerate(names)
    }
    return {
        "version": 0.0,
        "dataset": {"item_count": int(np.size(truth))},
        "multiclass_classification_metrics": body,
    }


def encode_classes(
    y_true: Any, y_pred: Any, classes: Any = None
) -> tuple[list[str], np.ndarray, np.ndarray]:
    """(class names in order, labels and predictions as indices into them). Classes are the
    given ones, then any other value of either side; in numeric order when every name is a
    number, else in text order."""
    import numpy as np

    truth = np.asarray(y_true).astype(str).reshape(-1)
    pred = np.asarray(y_pred).astype(str).reshape(-1)
    if truth.size != pred.size:
        raise InvalidInput(f"{truth.size} labels but {pred.size} predictions")
    if truth.size == 0:
        raise InvalidInput("no rows to evaluate")
    given = [str(c) for c in classes] if classes is not None else []
    seen = np.unique(np.concatenate([truth, pred]))
    names = given + sorted((set(seen.tolist()) - set(given)), key=_class_order)
    index = {name: i for i, name in enumerate(names)}
    lookup = np.vectorize(index.__getitem__, otypes=[np.int64])
    # One lookup per distinct value: `unique`'s inverse spreads it over the rows.
    values, inverse = np.unique(np.concatenate([truth, pred]), return_inverse=True)
    codes = lookup(values)[inverse]
    return names, codes[: truth.size], codes[truth.size :]


def _class_order(name: str) -> tuple[int, float, str]:
    try:
        return (0, float(name), name)
    except ValueError:
        return (1, 0.0, name)


def _confusion(truth: np.ndarray, pred: np.ndarray, count: int) -> np.ndarray:
    import numpy as np

    return np.bincount(truth * count + pred, minlength=count * count).reshape(count, count)


def _per_class(matrix: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    import numpy as np

    hits = np.diag(matrix).astype(np.float64)
    predicted, actual = matrix.sum(axis=0), matrix.sum(axis=1)
    precision = np.divide(hits, predicted, out=np.zeros_like(hits), where=predicted > 0)
    recall = np.divide(hits, actual, out=np.zeros_like(hits), where=actual > 0)
    return precision, recall


def _values(matrix: np.ndarray) -> dict[str, float]:
    import numpy as np

    total = float(matrix.sum())
    weights = matrix.sum(axis=1) / total
    precision, recall = _per_class(matrix)
    found: dict[str, float] = {
        "accuracy": float(np.trace(matrix)) / total,
        "weighted_recall": float(weights @ recall),
        "weighted_precision": float(weights @ precision),
    }
    for name, beta in BETAS.items():
        scores = [f_beta(float(p), float(r), beta) for p, r in zip(precision, recall, strict=True)]
        found[f"weighted_{name}"] = float(weights @ np.nan_to_num(np.array(scores)))
    # The best constant classifier predicts the most frequent class for every row: that
    # class has precision `share` and recall 1, every other class precision and recall 0.
    share = float(weights.max())
    found["accuracy_best_constant_classifier"] = share
    found["weighted_recall_best_constant_classifier"] = share
    found["weighted_precision_best_constant_classifier"] = share * share
    for name, beta in BETAS.items():
        found[f"weighted_{name}_best_constant_classifier"] = share * f_beta(share, 1.0, beta)
    return found
