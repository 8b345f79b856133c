"""What a batch's accuracy and AUC will be, before its labels come; and whether its scores drift.

Confidence-based performance estimation (the idea of NannyML's CBPE): a calibrated model's
probability p says a row is positive with chance p, so the prediction `p > threshold` is right
with chance max(p, 1 - p) and the expected accuracy is their mean. Accuracy's 95 % interval
is analytic (a sum of independent Bernoulli variables); AUC's comes from simulation: labels
drawn from the probabilities (of at most 20,000 rows), AUC realised on each draw, the middle
95 %. It holds as long as the model stays calibrated, which is exactly what concept drift
breaks; hence the realised figures beside it once labels come.

Prediction drift compares the batch's score distribution with the holdout's (saved with the
evaluation as `score_distribution.json`) by the population stability index over fixed bins.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from batchops.errors import InvalidInput
from batchops.models.metrics import auc_from_rank_sum, average_ranks

SIMULATIONS = 100
MAX_AUC_ROWS = 20_000
BINS = 10
DEFAULT_DRIFT_THRESHOLD = 0.2
"""PSI above 0.2 is the customary 'significant shift' mark."""
_FLOOR = 1e-4


def estimate_performance(
    probabilities: np.ndarray, threshold: float = 0.5, *, seed: int = 0
) -> dict[str, Any]:
    """`{"accuracy": {"value", "lower", "upper"}, "auc": {...}, "item_count"}` from scores alone."""
    prob = np.asarray(probabilities, dtype=np.float64).reshape(-1)
    if prob.size == 0:
        raise InvalidInput("no predictions to estimate from")
    predicted = prob > threshold
    confidence = np.where(predicted, prob, 1.0 - prob)
    expected = float(confidence.mean())
    spread = 1.96 * float(np.sqrt((confidence * (1.0 - confidence)).sum())) / prob.size
    rng = np.random.default_rng(seed)
    sample = prob if prob.size <= MAX_AUC_ROWS else rng.choice(prob, MAX_AUC_ROWS, replace=False)
    draws = rng.random((SIMULATIONS, sample.size)) < sample  # each row: one possible labelling
    # One sort for all simulations: each draw's rank sum is its labels times the shared ranks.
    order = np.argsort(sample, kind="stable")
    ranked_draws = draws[:, order]
    rank_sums = ranked_draws @ average_ranks(sample[order])
    positives = ranked_draws.sum(axis=1)
    aucs = np.array(
        [
            auc_from_rank_sum(float(total), int(count), sample.size - int(count))
            for total, count in zip(rank_sums, positives, strict=True)
        ]
    )
    aucs = aucs[np.isfinite(aucs)]
    auc: dict[str, float | None] = {"value": None, "lower": None, "upper": None}
    if aucs.size:
        lower, upper = np.quantile(aucs, [0.025, 0.975])
        auc = {"value": float(aucs.mean()), "lower": float(lower), "upper": float(upper)}
    return {
        "item_count": int(prob.size),
        "method": "confidence-based performance estimation",
        "accuracy": {
            "value": expected,
            "lower": max(0.0, expected - spread),
            "upper": min(1.0, expected + spread),
        },
        "auc": auc,
    }


def score_distribution(probabilities: np.ndarray) -> dict[str, Any]:
    """The share of scores in each of BINS equal-width bins over [0, 1]: the drift reference."""
    prob = np.clip(np.asarray(probabilities, dtype=np.float64).reshape(-1), 0.0, 1.0)
    edges = np.linspace(0.0, 1.0, BINS + 1)
    counts, _ = np.histogram(prob, bins=edges)
    return {"bin_edges": edges.tolist(), "counts": counts.astype(int).tolist()}


def prediction_drift(probabilities: np.ndarray, reference: dict[str, Any]) -> float:
    """Population stability index of the batch's scores against the reference distribution."""
    try:
        edges = np.asarray(reference["bin_edges"], dtype=np.float64)
        expected = np.asarray(reference["counts"], dtype=np.float64)
    except (KeyError, TypeError, ValueError) as exc:
        raise InvalidInput(f"score distribution: expected bin_edges and counts ({exc})") from exc
    if edges.size != expected.size + 1 or expected.sum() <= 0:
        raise InvalidInput("score distribution: bin_edges must be one longer than counts")
    prob = np.clip(np.asarray(probabilities, dtype=np.float64).reshape(-1), 0.0, 1.0)
    actual, _ = np.histogram(prob, bins=edges)
    p = np.maximum(expected / expected.sum(), _FLOOR)
    q = np.maximum(actual / max(actual.sum(), 1), _FLOOR)
    return float(((q - p) * np.log(q / p)).sum())
