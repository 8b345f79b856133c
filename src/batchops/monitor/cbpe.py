"""Confidence-based performance estimation: the metrics a classifier is expected to realise.

If probability p means "positive with chance p", each prediction's outcome is a coin of known
bias, and the confusion matrix has an expected value: a row predicted positive adds p to the
true positives and 1 - p to the false ones, a row predicted negative p to the false
negatives. Accuracy, precision, recall and F1 follow from the expected matrix, and so does
AUC: the expected share of (positive, negative) pairs ranked right, each pair weighted by
p_i (1 - p_j). For several classes, the probability of each class plays p's part one class
at a time, and the support-weighted figures follow. The predictions themselves come from the
model's raw scores; only the expectation uses the calibrated ones (`calibration`).
`*_realised` compute the same figures from labels, for the reference's sampling error and to
compare an estimate with what the labels later say.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from batchops.models.metrics import f_beta, roc_auc

if TYPE_CHECKING:
    import numpy as np

BINARY_ESTIMATED = ("accuracy", "precision", "recall", "f1", "auc")
MULTICLASS_ESTIMATED = ("accuracy", "weighted_precision", "weighted_recall", "weighted_f1")


def _ratio(numerator: float, denominator: float) -> float:
    return numerator / denominator if denominator > 0 else float("nan")


def _binary_figures(tp: float, fp: float, fn: float, tn: float) -> dict[str, float]:
    precision = _ratio(tp, tp + fp)
    recall = _ratio(tp, tp + fn)
    return {
        "accuracy": (tp + tn) / (tp + fp + fn + tn),
        "precision": precision,
        "recall": recall,
        "f1": f_beta(precision, recall, 1.0),
    }


def binary_expected(chance: np.ndarray, scores: np.ndarray, threshold: float) -> dict[str, float]:
    """Expected figures of predictions `scores > threshold` whose chance of being positive
    is `chance` (the calibrated scores)."""
    import numpy as np

    predicted = scores > threshold
    tp = float(chance[predicted].sum())
    fp = float(predicted.sum()) - tp
    fn = float(chance[~predicted].sum())
    tn = float((~predicted).sum()) - fn
    figures = _binary_figures(tp, fp, fn, tn)
    figures["auc"] = _expected_auc(np.asarray(chance, dtype=np.float64), scores)
    return figures


def _expected_auc(chance: np.ndarray, scores: np.ndarray) -> float:
    """Sum over pairs i != j of chance_i (1 - chance_j) [score_i > score_j] (ties half),
    over the sum of chance_i (1 - chance_j): one sort and running sums."""
    import numpy as np

    order = np.argsort(scores, kind="stable")
    ranked, positive = scores[order], chance[order]
    negative = 1.0 - positive
    starts = np.r_[True, ranked[1:] != ranked[:-1]]
    group = np.cumsum(starts) - 1
    group_negative = np.bincount(group, weights=negative)
    below = np.r_[0.0, np.cumsum(group_negative)[:-1]][group]
    within = group_negative[group] - negative  # the row's tied others
    concordant = float((positive * (below + 0.5 * within)).sum())
    pairs = float(positive.sum() * negative.sum() - (positive * negative).sum())
    return concordant / pairs if pairs > 0 else float("nan")


def binary_realised(labels: np.ndarray, scores: np.ndarray, threshold: float) -> dict[str, float]:
    """The same figures from 0/1 labels."""
    truth = labels.astype(bool)
    predicted = scores > threshold
    figures = _binary_figures(
        float((predicted & truth).sum()),
        float((predicted & ~truth).sum()),
        float((~predicted & truth).sum()),
        float((~predicted & ~truth).sum()),
    )
    both = truth.any() and not truth.all()
    figures["auc"] = roc_auc(truth.astype(int), scores) if both else float("nan")
    return figures


def _weighted(hits: np.ndarray, predicted: np.ndarray, support: np.ndarray) -> dict[str, float]:
    import numpy as np

    total = float(support.sum())
    precision = np.divide(hits, predicted, out=np.zeros_like(hits), where=predicted > 0)
    recall = np.divide(hits, support, out=np.zeros_like(hits), where=support > 0)
    weights = support / total
    f1 = [f_beta(float(p), float(r), 1.0) for p, r in zip(precision, recall, strict=True)]
    return {
        "accuracy": float(hits.sum()) / total,
        "weighted_precision": float(weights @ precision),
        "weighted_recall": float(weights @ recall),
        "weighted_f1": float(weights @ np.nan_to_num(np.array(f1))),
    }


def multiclass_expected(chances: np.ndarray, predicted: np.ndarray) -> dict[str, float]:
    """Expected figures of predicted class indices whose class chances are `chances` (rows
    of calibrated probabilities)."""
    import numpy as np

    classes = chances.shape[1]
    rows = np.arange(predicted.size)
    hits = np.bincount(predicted, weights=chances[rows, predicted], minlength=classes)
    count = np.bincount(predicted, minlength=classes).astype(np.float64)
    return _weighted(hits, count, chances.sum(axis=0))


def multiclass_realised(
    labels: np.ndarray, predicted: np.ndarray, classes: int
) -> dict[str, float]:
    """The same figures from class indices (a label outside the classes: index `classes`)."""
    import numpy as np

    size = classes + 1
    hits = np.bincount(predicted[labels == predicted], minlength=size).astype(np.float64)
    count = np.bincount(predicted, minlength=size).astype(np.float64)
    support = np.bincount(labels, minlength=size).astype(np.float64)
    return _weighted(hits, count, support)
