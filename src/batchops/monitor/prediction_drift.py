"""Whether a batch's predictions are distributed as the reference period's were.

The reference's distribution is kept with the model version (`score-distribution.json`):
for a probability (binary), the share of scores in 10 equal-width bins over [0, 1]; for a
regression's predicted values, in 10 bins of equal count on the reference (its deciles, the
outer bins open-ended); for a multiclass model, the share of each predicted class. The drift
is the population stability index (PSI) of the batch's shares against the reference's.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from batchops.errors import InvalidInput

if TYPE_CHECKING:
    import numpy as np

BINS = 10
DEFAULT_DRIFT_THRESHOLD = 0.2
"""PSI above 0.2 is the customary 'significant shift' mark."""
_FLOOR = 1e-4


def score_distribution(probabilities: np.ndarray) -> dict[str, Any]:
    """The share of scores in each of BINS equal-width bins over [0, 1]: the drift reference."""
    import numpy as np

    prob = np.clip(np.asarray(probabilities, dtype=np.float64).reshape(-1), 0.0, 1.0)
    edges = np.linspace(0.0, 1.0, BINS + 1)
    counts, _ = np.histogram(prob, bins=edges)
    return {"bin_edges": edges.tolist(), "counts": counts.astype(int).tolist()}


def value_distribution(values: np.ndarray) -> dict[str, Any]:
    """Predicted values in BINS bins of equal count on them (their deciles)."""
    import numpy as np

    data = np.asarray(values, dtype=np.float64).reshape(-1)
    edges = np.unique(np.quantile(data, np.linspace(0.0, 1.0, BINS + 1)))
    if edges.size < 2:
        edges = np.array([edges[0] - 0.5, edges[0] + 0.5])
    counts, _ = np.histogram(data, bins=edges)
    return {"bin_edges": edges.tolist(), "counts": counts.astype(int).tolist()}


def class_distribution(predicted: np.ndarray) -> dict[str, Any]:
    """How many predictions name each class."""
    import numpy as np

    classes, counts = np.unique(np.asarray(predicted).astype(str), return_counts=True)
    return {"classes": classes.tolist(), "counts": counts.astype(int).tolist()}


def shares(values: np.ndarray, reference: dict[str, Any]) -> tuple[np.ndarray, np.ndarray]:
    """(the reference's shares, the batch's shares) over the reference's bins or classes."""
    import numpy as np

    try:
        expected = np.asarray(reference["counts"], dtype=np.float64)
        if "classes" in reference:
            names = [str(c) for c in reference["classes"]]
            found = np.asarray(values).astype(str)
            actual = np.array([(found == name).sum() for name in names], dtype=np.float64)
            outside = found.size - actual.sum()
            expected, actual = np.r_[expected, 0.0], np.r_[actual, outside]
        else:
            edges = np.asarray(reference["bin_edges"], dtype=np.float64)
            if edges.size != expected.size + 1:
                raise InvalidInput("score distribution: bin_edges must be one longer than counts")
            data = np.clip(np.asarray(values, dtype=np.float64).reshape(-1), edges[0], edges[-1])
            actual = np.histogram(data, bins=edges)[0].astype(np.float64)
    except (KeyError, TypeError, ValueError) as exc:
        raise InvalidInput(
            f"score distribution: expected bin_edges (or classes) and counts ({exc})"
        ) from exc
    if expected.sum() <= 0:
        raise InvalidInput("score distribution: its counts add up to nothing")
    return expected / expected.sum(), actual / max(actual.sum(), 1.0)


def prediction_drift(values: np.ndarray, reference: dict[str, Any]) -> float:
    """Population stability index of the batch's predictions against the reference."""
    import numpy as np

    p, q = shares(values, reference)
    p, q = np.maximum(p, _FLOOR), np.maximum(q, _FLOOR)
    return float(((q - p) * np.log(q / p)).sum())
