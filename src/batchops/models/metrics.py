"""Binary-classification metrics under SageMaker Model Monitor's model-quality names.

`binary_classification_metrics(y_true, y_prob)` returns the document Model Monitor's model
quality job writes (`{"binary_classification_metrics": {"accuracy": {"value": ...,
"standard_deviation": ...}, ...}}`), so evaluation files, registry metrics and conditions use
the names its users know. Labels come from the probabilities with `threshold` (positive when
the probability is above it, as rounding does); AUC and the curves use the probabilities
themselves, never the rounded labels. Everything is vectorised numpy, with one sort of the
probabilities for the whole document: AUC and the curves read the ranked order, and each
subsample of the standard deviation is a boolean mask over it (a mask keeps the order).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from batchops.errors import InvalidInput

if TYPE_CHECKING:
    import numpy as np

#: Model Monitor reports a standard deviation only from this many samples on: the spread of
#: the metric over SUBSAMPLES random draws of SUBSAMPLE_SHARE of the rows.
MIN_ROWS_FOR_DEVIATION = 200
SUBSAMPLES = 5
SUBSAMPLE_SHARE = 0.8
#: At most this many points per curve (ROC, precision-recall), evenly spread over thresholds.
CURVE_POINTS = 101
NAN = "NaN"  # how the format writes a value that does not exist (JSON has no NaN)


def binary_classification_metrics(
    y_true: Any, y_prob: Any, threshold: float = 0.5, *, seed: int = 0
) -> dict[str, Any]:
    """Model Monitor's `binary_classification_metrics` document for labels 0/1 and probabilities.

    The standard deviation of each scalar metric is the spread over 5 random 80 % subsamples
    (drawn with `seed`), as Model Monitor computes it, and "NaN" below 200 rows.
    """
    import numpy as np

    truth, prob = _validated(y_true, y_prob)
    order = np.argsort(prob, kind="stable")
    scalars = _scalar_metrics(truth, prob, threshold, _ranked_auc(truth[order], prob[order]))
    deviations = _deviations(truth, prob, order, threshold, seed)
    body: dict[str, Any] = {"confusion_matrix": _confusion_matrix(truth, prob > threshold)}
    for name, value in scalars.items():
        body[name] = {"value": json_number(value), "standard_deviation": deviations[name]}
    descending = order[::-1]
    fpr, tpr, precision, recall = _curves(truth[descending], prob[descending])
    body["receiver_operating_characteristic_curve"] = {
        "false_positive_rates": fpr,
        "true_positive_rates": tpr,
    }
    body["precision_recall_curve"] = {"precisions": precision, "recalls": recall}
    return {
        "version": 0.0,
        "dataset": {"item_count": int(np.size(truth))},
        "binary_classification_metrics": body,
    }


def roc_auc(y_true: Any, y_prob: Any) -> float:
    """Area under the ROC curve from ranks (Mann-Whitney U), tied scores counting half."""
    import numpy as np

    truth, prob = _validated(y_true, y_prob)
    order = np.argsort(prob, kind="stable")
    return _ranked_auc(truth[order], prob[order])


def average_ranks(ranked_prob: np.ndarray) -> np.ndarray:
    """The 1-based rank of each score of an ascending array, tied scores sharing their mean rank.

    Ranks are whole or half numbers, so sums of them are exact in float64 whatever their order.
    """
    import numpy as np

    size = ranked_prob.size
    starts = np.r_[True, ranked_prob[1:] != ranked_prob[:-1]] if size else np.zeros(0, bool)
    group_start = np.flatnonzero(starts)
    group_end = np.r_[group_start[1:], size]  # 1-based rank of each tie group's last member
    average_rank = group_end - (group_end - group_start - 1) / 2.0
    return np.asarray(average_rank[np.cumsum(starts) - 1], dtype=np.float64)


def auc_from_rank_sum(rank_sum: float, positives: int, negatives: int) -> float:
    """Mann-Whitney U over positives x negatives; NaN when either class is absent."""
    if positives == 0 or negatives == 0:
        return float("nan")
    return (rank_sum - positives * (positives + 1) / 2.0) / (positives * negatives)


def _ranked_auc(ranked_truth: np.ndarray, ranked_prob: np.ndarray) -> float:
    """AUC of labels and scores already in ascending score order."""
    positives = int(ranked_truth.sum())
    negatives = ranked_truth.size - positives
    if positives == 0 or negatives == 0:
        return float("nan")
    rank_sum = float(average_ranks(ranked_prob)[ranked_truth].sum())
    return auc_from_rank_sum(rank_sum, positives, negatives)


def _validated(y_true: Any, y_prob: Any) -> tuple[np.ndarray, np.ndarray]:
    import numpy as np

    truth = np.asarray(y_true).reshape(-1)
    prob = np.asarray(y_prob, dtype=np.float64).reshape(-1)
    if truth.size != prob.size:
        raise InvalidInput(f"{truth.size} labels but {prob.size} predictions")
    if truth.size == 0:
        raise InvalidInput("no rows to evaluate")
    if not np.isin(truth, (0, 1)).all():
        bad = truth[~np.isin(truth, (0, 1))][0]
        raise InvalidInput(f"labels must be 0 or 1, found {bad!r}")
    if np.isnan(prob).any():
        raise InvalidInput(f"predictions hold NaN at row {int(np.argmax(np.isnan(prob))) + 1}")
    return truth.astype(bool), prob


def _scalar_metrics(
    truth: np.ndarray, prob: np.ndarray, threshold: float, auc: float
) -> dict[str, float]:
    predicted = prob > threshold
    tp = float((predicted & truth).sum())
    fp = float((predicted & ~truth).sum())
    fn = float((~predicted & truth).sum())
    tn = float((~predicted & ~truth).sum())
    positives, negatives, total = tp + fn, fp + tn, float(truth.size)
    precision = _ratio(tp, tp + fp)
    recall = _ratio(tp, positives)
    # Model Monitor's "best constant classifier" predicts positive for everyone: recall 1,
    # precision and accuracy equal to the share of positives.
    prevalence = positives / total
    constant_recall = 1.0 if positives else float("nan")
    return {
        "recall": recall,
        "precision": precision,
        "accuracy": (tp + tn) / total,
        "recall_best_constant_classifier": constant_recall,
        "precision_best_constant_classifier": prevalence,
        "accuracy_best_constant_classifier": prevalence,
        "true_positive_rate": recall,
        "true_negative_rate": _ratio(tn, negatives),
        "false_positive_rate": _ratio(fp, negatives),
        "false_negative_rate": _ratio(fn, positives),
        "auc": auc,
        "f0_5": f_beta(precision, recall, 0.5),
        "f0_5_best_constant_classifier": f_beta(prevalence, constant_recall, 0.5),
        "f1": f_beta(precision, recall, 1.0),
        "f1_best_constant_classifier": f_beta(prevalence, constant_recall, 1.0),
        "f2": f_beta(precision, recall, 2.0),
        "f2_best_constant_classifier": f_beta(prevalence, constant_recall, 2.0),
    }


def _deviations(
    truth: np.ndarray, prob: np.ndarray, order: np.ndarray, threshold: float, seed: int
) -> dict[str, float | str]:
    """Spread over the subsamples; each one a mask over the single sorted order of `prob`."""
    names = _scalar_metrics(truth[:1], prob[:1], threshold, float("nan"))
    ranked_truth, ranked_prob = truth[order], prob[order]
    draws = []
    for chosen in subsample_masks(truth.size, seed):
        in_order = chosen[order]
        sub_truth, sub_prob = ranked_truth[in_order], ranked_prob[in_order]
        auc = _ranked_auc(sub_truth, sub_prob)
        draws.append(_scalar_metrics(sub_truth, sub_prob, threshold, auc))  # counts: any order
    return spread_of(draws, names)


def subsample_masks(rows: int, seed: int) -> list[np.ndarray]:
    """Model Monitor's subsamples for a standard deviation: SUBSAMPLES random draws of
    SUBSAMPLE_SHARE of the rows (as masks, so rows keep their order), drawn with `seed` so the
    same data gives the same figures; none below MIN_ROWS_FOR_DEVIATION rows."""
    import numpy as np

    if rows < MIN_ROWS_FOR_DEVIATION:
        return []
    rng = np.random.default_rng(seed)
    size = int(SUBSAMPLE_SHARE * rows)
    masks = []
    for _ in range(SUBSAMPLES):
        chosen = np.zeros(rows, dtype=bool)
        chosen[rng.choice(rows, size=size, replace=False)] = True
        masks.append(chosen)
    return masks


def spread_of(draws: list[dict[str, float]], names: Any) -> dict[str, float | str]:
    """Each metric's (population) standard deviation over the subsamples' values; "NaN"
    without subsamples or where a subsample's value does not exist."""
    import numpy as np

    spread: dict[str, float | str] = {}
    for name in names:
        values = np.array([draw[name] for draw in draws], dtype=np.float64)
        spread[name] = NAN if not draws or np.isnan(values).any() else float(values.std())
    return spread


def _confusion_matrix(truth: np.ndarray, predicted: np.ndarray) -> dict[str, dict[str, int]]:
    """Outer key the actual label, inner key the predicted one, as Model Monitor writes it."""
    return {
        actual: {
            guess: int(((truth == (actual == "1")) & (predicted == (guess == "1"))).sum())
            for guess in ("0", "1")
        }
        for actual in ("0", "1")
    }


def _curves(
    ranked_truth: np.ndarray, ranked_prob: np.ndarray
) -> tuple[list[float], list[float], list[float], list[float]]:
    """ROC and precision-recall points at each distinct threshold, thinned to CURVE_POINTS.

    The rows come in descending score order; only each tie group's end is read, so the order
    within a group does not matter.
    """
    import numpy as np

    truth = ranked_truth
    last_of_group = np.r_[np.nonzero(np.diff(ranked_prob))[0], truth.size - 1]
    tps = np.cumsum(ranked_truth)[last_of_group].astype(np.float64)
    fps = (last_of_group + 1) - tps
    positives, negatives = float(truth.sum()), float(truth.size - truth.sum())
    if len(tps) > CURVE_POINTS:
        keep = np.unique(np.linspace(0, len(tps) - 1, CURVE_POINTS).round().astype(np.int64))
        tps, fps = tps[keep], fps[keep]
    fpr = np.r_[0.0, fps / negatives] if negatives else np.zeros(len(fps) + 1)
    tpr = np.r_[0.0, tps / positives] if positives else np.zeros(len(tps) + 1)
    precision = tps / (tps + fps)
    recall = tps / positives if positives else np.zeros(len(tps))
    return fpr.tolist(), tpr.tolist(), precision.tolist(), recall.tolist()


def _ratio(numerator: float, denominator: float) -> float:
    return numerator / denominator if denominator else float("nan")


def f_beta(precision: float, recall: float, beta: float) -> float:
    weight = beta * beta
    denominator = weight * precision + recall
    if denominator != denominator:  # precision or recall undefined
        return float("nan")
    if denominator == 0:  # no true positive at all
        return 0.0
    return (1 + weight) * precision * recall / denominator


def json_number(value: float) -> float | str:
    return NAN if value != value else value


def evaluation_values(evaluation: dict[str, Any]) -> dict[str, float]:
    """`{"binary_classification_metrics": {"accuracy": {"value": 0.9}}}` -> `{"accuracy": 0.9}`:
    the headline figures a registered version carries, from any metrics document of this shape."""
    metrics: dict[str, float] = {}
    for group in evaluation.values():
        if not isinstance(group, dict):
            continue
        for name, entry in group.items():
            value = entry.get("value") if isinstance(entry, dict) else None
            if isinstance(value, int | float) and not isinstance(value, bool):
                metrics[name] = float(value)
    metrics.update(_champion_values(evaluation.get("challenger")))
    return metrics


def _champion_values(gate: Any) -> dict[str, float]:
    """The approved model's figure on the same holdout and the gap, when the evaluation ran
    the champion/challenger gate: so the new version carries both sides of the comparison."""
    if not isinstance(gate, dict) or not isinstance(gate.get("champion"), int | float):
        return {}
    return {f"champion_{gate['metric']}": float(gate["champion"]), "challenger_gap": gate["gap"]}
