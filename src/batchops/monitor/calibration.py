"""Isotonic calibration of scores on the reference period, kept only where it helps.

A confidence-based estimate reads a score p as "positive with chance p", which holds only for
a calibrated model; XGBoost's scores often are not. `Calibrator.fit` learns a monotone map
from score to the observed share of positives on the reference period's labels (pool
adjacent violators over at most 1,000 equal-count bins of the scores, so the fit costs the
same for any reference size) and keeps it only if it lowers the expected calibration error:
measured out of fold (each third of the reference calibrated by a map fitted on the other
two), since a map always looks perfect on the rows it was fitted on. Deterministic: the folds
come from a fixed seed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

MAX_BINS = 1_000
FOLDS = 3
ECE_BINS = 10
SEED = 0


@dataclass(frozen=True)
class IsotonicMap:
    """A monotone map given by knots: scores `x` (ascending) to probabilities `y`."""

    x: np.ndarray
    y: np.ndarray

    def __call__(self, scores: np.ndarray) -> np.ndarray:
        import numpy as np

        return np.interp(scores, self.x, self.y)


def fit_isotonic(scores: np.ndarray, outcomes: np.ndarray) -> IsotonicMap:
    """The non-decreasing fit of outcomes (0/1 or shares) on scores, by pool adjacent
    violators over equal-count bins of the scores."""
    import numpy as np

    order = np.argsort(scores, kind="stable")
    ranked_scores = scores[order]
    ranked_outcomes = outcomes[order].astype(np.float64)
    edges = np.unique(np.linspace(0, scores.size, min(MAX_BINS, scores.size) + 1).astype(int))
    counts = np.diff(edges).astype(np.float64)
    means = np.add.reduceat(ranked_outcomes, edges[:-1]) / counts
    centres = np.add.reduceat(ranked_scores, edges[:-1]) / counts
    # Pool adjacent violators over the bins (at most MAX_BINS steps, not one per row).
    values: list[float] = []
    weights: list[float] = []
    sizes: list[int] = []
    for mean, weight in zip(means.tolist(), counts.tolist(), strict=True):
        values.append(mean)
        weights.append(weight)
        sizes.append(1)
        while len(values) > 1 and values[-2] > values[-1]:
            total = weights[-2] + weights[-1]
            merged = (values[-2] * weights[-2] + values[-1] * weights[-1]) / total
            size = sizes[-2] + sizes[-1]
            del values[-1], weights[-1], sizes[-1]
            values[-1], weights[-1], sizes[-1] = merged, total, size
    fitted = np.repeat(np.array(values), np.array(sizes))
    return IsotonicMap(centres, fitted)


def calibration_error(probabilities: np.ndarray, outcomes: np.ndarray) -> float:
    """Expected calibration error over equal-count bins: the mean |mean score - positive
    share| of the bins, weighted by their rows."""
    import numpy as np

    order = np.argsort(probabilities, kind="stable")
    groups = np.array_split(order, min(ECE_BINS, probabilities.size))
    return float(
        sum(abs(probabilities[g].mean() - outcomes[g].mean()) * g.size for g in groups if g.size)
        / probabilities.size
    )


@dataclass(frozen=True)
class Calibrator:
    """The map from scores to probabilities an estimate uses: isotonic where that lowered the
    reference's out-of-fold calibration error, else the scores as they are."""

    isotonic: IsotonicMap | None
    error_before: float
    error_after: float

    @property
    def used(self) -> bool:
        return self.isotonic is not None

    def __call__(self, scores: np.ndarray) -> np.ndarray:
        import numpy as np

        if self.isotonic is None:
            return np.clip(scores, 0.0, 1.0)
        return np.clip(self.isotonic(scores), 0.0, 1.0)

    @classmethod
    def fit(cls, scores: np.ndarray, outcomes: np.ndarray) -> Calibrator:
        import numpy as np

        scores = np.asarray(scores, dtype=np.float64)
        outcomes = np.asarray(outcomes, dtype=np.float64)
        before = calibration_error(np.clip(scores, 0.0, 1.0), outcomes)
        if scores.size < 2 * FOLDS or np.unique(outcomes).size < 2:
            return cls(None, before, before)
        out_of_fold = cross_fitted(scores, outcomes)
        after = calibration_error(out_of_fold, outcomes)
        if after >= before:
            return cls(None, before, after)
        return cls(fit_isotonic(scores, outcomes), before, after)


def cross_fitted(scores: np.ndarray, outcomes: np.ndarray) -> np.ndarray:
    """Each row calibrated by a map fitted on the other folds."""
    import numpy as np

    fold = np.random.default_rng(SEED).permutation(scores.size) % FOLDS
    result = np.empty(scores.size, dtype=np.float64)
    for k in range(FOLDS):
        held = fold == k
        result[held] = fit_isotonic(scores[~held], outcomes[~held])(scores[held])
    return np.clip(result, 0.0, 1.0)
