"""Model quality before the labels come: an estimate per chunk of predictions, with a band.

Classifiers are estimated by confidence (`cbpe`) from scores calibrated on the reference
period (`calibration`), regression models by direct loss estimation (`loss_estimate`). The
reference is the version's holdout (`reference`); without one (an older version), a
classifier's own scores stand in for it, uncalibrated, and a regression is not estimated.

Each estimate has a band, as wide as three things that can make it wrong:
- sampling: a chunk of n rows realises its figure only up to chance. The standard error is
  the spread of the realised figure over 50 random n-row draws of the reference (fixed
  seed); the band takes three of them, as NannyML's does.
- the method's own error on the reference: the estimate of the reference made out of fold
  (calibration and loss model fitted without the rows estimated) against its realised
  figure.
- the predictions' shift: rows whose predictions fall where the reference had fewer may be
  wrong in ways the reference cannot tell (concept drift). The share of such rows, the total
  variation distance between the chunk's and the reference's prediction histograms beyond
  what sampling alone gives (its 95th percentile over the same draws, scaled for the
  reference's own sampling), widens the band by
  that share of the metric's range (1 for a share, the reference's 95th percentile error for
  mae, rmse and mse).
On churn chunks with a known shift, NannyML's band (sampling only) held the realised accuracy
in 10 of 13 chunks, this one in 13 (benchmarks/estimate.py, docs/monitoring.md).
With labels, `realised` and `error` (estimate - realised) stand beside each estimate.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from batchops.errors import InvalidInput
from batchops.models.problem_types import BINARY, MULTICLASS, REGRESSION, ProblemType
from batchops.monitor import cbpe, loss_estimate
from batchops.monitor.calibration import Calibrator, cross_fitted
from batchops.monitor.prediction_drift import class_distribution, shares, value_distribution
from batchops.monitor.reference import Reference

if TYPE_CHECKING:
    import numpy as np

DRAWS = 50
SIGMAS = 3.0
MAX_DRAW_ROWS = 50_000
SEED = 0
METHODS = {
    BINARY.name: "confidence-based performance estimation",
    MULTICLASS.name: "confidence-based performance estimation",
    REGRESSION.name: "direct loss estimation",
}


@dataclass
class Estimator:
    """Fitted on a reference once; estimates any number of chunks."""

    problem: ProblemType
    reference: Reference
    threshold: float
    expected: Callable[[np.ndarray], dict[str, float]]
    realised: Callable[[np.ndarray, np.ndarray], dict[str, float]]
    predicted_of: Callable[[np.ndarray], np.ndarray]
    calibrated: Any
    bias: dict[str, float]
    scale: dict[str, float]
    drift_bins: dict[str, Any]
    _noise: dict[int, tuple[dict[str, float], float]] = field(default_factory=dict)

    @classmethod
    def fit(cls, reference: Reference, threshold: float = 0.5) -> Estimator:
        fitter = {BINARY.name: _fit_binary, MULTICLASS.name: _fit_multiclass}.get(
            reference.problem.name, _fit_regression
        )
        return fitter(reference, threshold)

    def estimate(
        self,
        scores: np.ndarray,
        labels: np.ndarray | None = None,
        known: np.ndarray | None = None,
        chunk_size: int | None = None,
    ) -> dict[str, Any]:
        """The whole batch's estimate (top level), and one per chunk of `chunk_size` rows;
        `labels` where `known` (a mask) are the realised figures' labels."""
        import numpy as np

        rows = scores.shape[0]
        if labels is not None and known is None:
            known = np.ones(rows, dtype=bool)
        if rows == 0:
            raise InvalidInput("no predictions to estimate from")
        result: dict[str, Any] = {
            "method": METHODS[self.problem.name],
            "item_count": int(rows),
            "reference_rows": self.reference.rows,
            "calibrated": self.calibrated,
            **self._chunk(scores, labels, known),
        }
        if chunk_size:
            result["chunks"] = [
                {"start": int(start), "end": int(min(start + chunk_size, rows))}
                | self._chunk(
                    scores[start : start + chunk_size],
                    None if labels is None else labels[start : start + chunk_size],
                    None if known is None else known[start : start + chunk_size],
                )
                for start in np.arange(0, rows, chunk_size)
            ]
        return result

    def _chunk(
        self, scores: np.ndarray, labels: np.ndarray | None, known: np.ndarray | None
    ) -> dict[str, Any]:
        rows = scores.shape[0]
        point = self.expected(scores)
        errors, noise = self._sampling(rows)
        shift = max(0.0, _total_variation(self.predicted_of(scores), self.drift_bins) - noise)
        realised: dict[str, float] = {}
        if labels is not None and known is not None and known.any():
            realised = self.realised(labels[known], scores[known])
        figures: dict[str, Any] = {"rows": int(rows), "prediction_shift": shift}
        for name, value in point.items():
            sampling = errors[name] if errors[name] == errors[name] else 0.0  # NaN: unmeasured
            half = SIGMAS * sampling + self.bias[name] + shift * self.scale[name]
            low, high = _range(self.problem, name)
            entry: dict[str, Any] = {
                "value": _number(value),
                "lower": _number(max(low, value - half)),
                "upper": _number(min(high, value + half)),
                "sampling_error": _number(errors[name]),
            }
            if name in realised and _number(realised[name]) is not None:
                entry["realised"] = realised[name]
                entry["error"] = _number(value - realised[name])
                entry["within"] = bool(
                    max(low, value - half) <= realised[name] <= min(high, value + half)
                )
            figures[name] = entry
        if known is not None:
            figures["labelled"] = int(known.sum())
        return figures

    def _sampling(self, rows: int) -> tuple[dict[str, float], float]:
        """Standard errors of the realised figures for `rows` rows, and the prediction shift
        (total variation) sampling alone reaches 95% of the time; both from draws of the
        reference (at most MAX_DRAW_ROWS rows a draw, scaled to `rows` by sqrt(n))."""
        import numpy as np

        if rows in self._noise:
            return self._noise[rows]
        size = min(rows, MAX_DRAW_ROWS)
        rng = np.random.default_rng(SEED)
        figures, distances = [], []
        ref = self.reference
        for _ in range(DRAWS):
            pick = rng.integers(0, ref.rows, size)
            scores = ref.scores[pick]
            figures.append(self.realised(ref.labels[pick], scores))
            distances.append(_total_variation(self.predicted_of(scores), self.drift_bins))
        factor = np.sqrt(size / rows)
        errors = {
            name: float(np.nanstd([f[name] for f in figures])) * factor for name in figures[0]
        }
        # The draws vary the chunk only; the reference is a sample too: distances between two
        # samples of n and N rows spread as sqrt(1/n + 1/N), the draws' as sqrt(1/n).
        noise = float(np.quantile(distances, 0.95)) * factor * np.sqrt(1 + rows / ref.rows)
        self._noise[rows] = (errors, noise)
        return errors, noise


def estimate_quality(
    problem: ProblemType,
    scores: np.ndarray,
    reference: Reference | None,
    *,
    threshold: float = 0.5,
    labels: np.ndarray | None = None,
    known: np.ndarray | None = None,
    chunk_size: int | None = None,
) -> dict[str, Any] | None:
    """The estimate of a batch's quality (None for a regression without a reference)."""
    given = reference
    if reference is None:
        reference = _stand_in(problem, scores)
        if reference is None:
            return None
    if reference.problem is not problem:
        raise InvalidInput(
            f"the reference is of a {reference.problem.name} model, the predictions of "
            f"{problem.name}"
        )
    found = Estimator.fit(reference, threshold).estimate(scores, labels, known, chunk_size)
    found["reference"] = "holdout" if given is not None else "the batch's own scores"
    return found


def _stand_in(problem: ProblemType, scores: np.ndarray) -> Reference | None:
    """Without a reference, a classifier's scores taken at their word: labels drawn from
    them (fixed seed) stand in for the reference's."""
    import numpy as np

    rng = np.random.default_rng(SEED)
    if problem is BINARY:
        labels = (rng.random(scores.size) < scores).astype(np.int8)
        found = Reference(BINARY, labels, scores)
    elif problem is MULTICLASS:
        cumulative = np.cumsum(scores / scores.sum(axis=1, keepdims=True), axis=1)
        drawn = (rng.random((scores.shape[0], 1)) > cumulative).sum(axis=1)
        names = [str(i) for i in range(scores.shape[1])]
        drawn = np.minimum(drawn, len(names) - 1)
        found = Reference(MULTICLASS, np.asarray(names)[drawn], scores, names)
    else:
        return None
    return found


def _fit_binary(reference: Reference, threshold: float) -> Estimator:
    import numpy as np

    scores, labels = reference.scores, reference.labels
    calibrator = Calibrator.fit(scores, labels)
    out_of_fold = cross_fitted(scores, labels) if calibrator.used else np.clip(scores, 0, 1)

    def expected(batch: np.ndarray) -> dict[str, float]:
        return cbpe.binary_expected(calibrator(batch), batch, threshold)

    def realised(truth: np.ndarray, batch: np.ndarray) -> dict[str, float]:
        return cbpe.binary_realised(truth.astype(np.int8), batch, threshold)

    bias = _bias(cbpe.binary_expected(out_of_fold, scores, threshold), realised(labels, scores))
    return Estimator(
        BINARY,
        reference,
        threshold,
        expected,
        realised,
        lambda batch: batch,
        calibrator.used,
        bias,
        dict.fromkeys(cbpe.BINARY_ESTIMATED, 1.0),
        value_distribution(scores),
    )


def _fit_multiclass(reference: Reference, threshold: float) -> Estimator:
    import numpy as np

    names = reference.classes or []
    scores = reference.scores
    index = {name: i for i, name in enumerate(names)}
    truth = np.array([index.get(str(v), len(names)) for v in np.unique(reference.labels)])
    _, inverse = np.unique(reference.labels, return_inverse=True)
    codes = truth[inverse]
    calibrators = [Calibrator.fit(scores[:, k], codes == k) for k in range(len(names))]
    out_of_fold = np.column_stack(
        [
            cross_fitted(scores[:, k], (codes == k).astype(float))
            if calibrators[k].used
            else np.clip(scores[:, k], 0, 1)
            for k in range(len(names))
        ]
    )

    def calibrate(batch: np.ndarray) -> np.ndarray:
        chances = np.column_stack([c(batch[:, k]) for k, c in enumerate(calibrators)])
        total = chances.sum(axis=1, keepdims=True)
        return np.divide(chances, total, out=np.full_like(chances, 1 / len(names)), where=total > 0)

    def expected(batch: np.ndarray) -> dict[str, float]:
        return cbpe.multiclass_expected(calibrate(batch), batch.argmax(axis=1))

    def realised(labels: np.ndarray, batch: np.ndarray) -> dict[str, float]:
        found = np.array([index.get(str(v), len(names)) for v in np.unique(labels)])
        _, at = np.unique(labels, return_inverse=True)
        return cbpe.multiclass_realised(found[at], batch.argmax(axis=1), len(names))

    total = out_of_fold.sum(axis=1, keepdims=True)
    normalised = np.divide(
        out_of_fold, total, out=np.full_like(out_of_fold, 1 / len(names)), where=total > 0
    )
    bias = _bias(
        cbpe.multiclass_expected(normalised, scores.argmax(axis=1)),
        realised(reference.labels, scores),
    )
    return Estimator(
        MULTICLASS,
        reference,
        threshold,
        expected,
        realised,
        lambda batch: np.asarray(names)[batch.argmax(axis=1)],
        [c.used for c in calibrators],
        bias,
        dict.fromkeys(cbpe.MULTICLASS_ESTIMATED, 1.0),
        class_distribution(np.asarray(names)[scores.argmax(axis=1)]),
    )


def _fit_regression(reference: Reference, threshold: float) -> Estimator:
    import numpy as np

    predictions, labels = reference.scores, reference.labels.astype(np.float64)
    errors = labels - predictions
    inputs = predictions.reshape(-1, 1)
    model = loss_estimate.LossModel.fit(inputs, errors)
    absolute, squared = loss_estimate.cross_fitted(inputs, errors)
    bias = _bias(
        loss_estimate.expected_figures(absolute, squared, predictions),
        loss_estimate.realised(labels, predictions),
    )
    q_abs = float(np.quantile(np.abs(errors), 0.95))
    spread = float(np.var(predictions)) or 1.0
    return Estimator(
        REGRESSION,
        reference,
        threshold,
        lambda batch: model.expected(batch.reshape(-1, 1), batch),
        lambda truth, batch: loss_estimate.realised(truth.astype(np.float64), batch),
        lambda batch: batch,
        False,
        bias,
        {"mae": q_abs, "rmse": q_abs, "mse": q_abs * q_abs, "r2": q_abs * q_abs / spread},
        value_distribution(predictions),
    )


def _bias(estimated: dict[str, float], realised: dict[str, float]) -> dict[str, float]:
    import math

    return {
        name: abs(value - realised[name]) if math.isfinite(value - realised[name]) else 0.0
        for name, value in estimated.items()
    }


def _total_variation(predicted: np.ndarray, bins: dict[str, Any]) -> float:
    import numpy as np

    p, q = shares(predicted, bins)
    return float(0.5 * np.abs(p - q).sum())


def _range(problem: ProblemType, name: str) -> tuple[float, float]:
    """The values a metric can take: shares in [0, 1], errors from 0 up, r2 up to 1."""
    import math

    if problem is not REGRESSION:
        return (0.0, 1.0)
    return (-math.inf, 1.0) if name == "r2" else (0.0, math.inf)


def _number(value: float) -> float | None:
    import math

    return float(value) if math.isfinite(value) else None
