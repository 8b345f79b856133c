"""Label-free estimates compared with what the labels later say, on data with a known shift:
calibration where it helps, a band that holds the realised figure, the error beside it."""

from __future__ import annotations

import numpy as np
import pytest

from batchops.models.problem_types import BINARY, MULTICLASS, REGRESSION
from batchops.monitor.calibration import Calibrator, calibration_error
from batchops.monitor.estimate import Estimator, estimate_quality
from batchops.monitor.reference import Reference, read_reference, reference_document


def _binary(rows: int, seed: int, shift: float = 0.0, concept: bool = False):
    """Scores of an over-confident model (its logit three times too steep). `shift` moves the
    population; with `concept`, the labels stay those of the unshifted rows."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=rows)
    truth = 1 / (1 + np.exp(-1.5 * x))
    labels = (rng.random(rows) < truth).astype(np.int8)
    seen = x + shift
    if not concept:
        labels = (rng.random(rows) < 1 / (1 + np.exp(-1.5 * seen))).astype(np.int8)
    return 1 / (1 + np.exp(-4.5 * seen)), labels


def test_isotonic_calibration_is_used_where_it_lowers_the_calibration_error() -> None:
    scores, labels = _binary(5000, 1)
    calibrator = Calibrator.fit(scores, labels)
    assert calibrator.used and calibrator.error_after < calibrator.error_before
    fresh, fresh_labels = _binary(5000, 2)
    assert calibration_error(calibrator(fresh), fresh_labels) < calibration_error(
        fresh, fresh_labels
    )


def test_the_calibrated_estimate_beats_the_raw_one_and_its_band_holds() -> None:
    ref_scores, ref_labels = _binary(4000, 5)
    estimator = Estimator.fit(Reference(BINARY, ref_labels, ref_scores))
    raw = estimate_quality(BINARY, *_binary(2000, 6)[:1], None)
    assert raw is not None
    scores, labels = _binary(2000, 6)
    found = estimator.estimate(scores, labels)
    for name in ("accuracy", "auc", "f1"):
        entry = found[name]
        assert entry["lower"] <= entry["realised"] <= entry["upper"], name
        assert entry["error"] == pytest.approx(entry["value"] - entry["realised"])
    assert abs(found["accuracy"]["error"]) < abs(
        raw["accuracy"]["value"] - found["accuracy"]["realised"]
    )
    assert found["calibrated"] is True and found["prediction_shift"] == 0.0


def test_under_concept_drift_the_band_widens_to_hold_the_realised_figure() -> None:
    estimator = Estimator.fit(Reference(BINARY, *_binary(4000, 7)[::-1]))
    clean = estimator.estimate(*_binary(1000, 8))
    drifted = estimator.estimate(*_binary(1000, 9, shift=1.5, concept=True))
    assert drifted["prediction_shift"] > 0.1
    width = lambda entry: entry["upper"] - entry["lower"]  # noqa: E731
    assert width(drifted["accuracy"]) > 2 * width(clean["accuracy"])
    for found in (clean, drifted):
        for name in ("accuracy", "auc"):
            assert found[name]["within"], (name, found[name])
    # Sampling alone (NannyML's band) would not hold it: the estimate is off by more.
    sampling = 3 * drifted["accuracy"]["sampling_error"]
    assert abs(drifted["accuracy"]["error"]) > sampling


def test_chunks_each_get_their_estimate_and_band() -> None:
    scores, labels = _binary(2500, 10)
    found = estimate_quality(
        BINARY,
        scores,
        read_reference(reference_document(BINARY, *_binary(3000, 11)[::-1])),
        labels=labels,
        chunk_size=1000,
    )
    assert found is not None
    assert [(c["start"], c["end"], c["rows"]) for c in found["chunks"]] == [
        (0, 1000, 1000),
        (1000, 2000, 1000),
        (2000, 2500, 500),
    ]
    small, big = found["chunks"][2]["accuracy"], found["chunks"][0]["accuracy"]
    assert small["sampling_error"] > big["sampling_error"]  # fewer rows, wider
    assert all(c["accuracy"]["within"] for c in found["chunks"])


def test_multiclass_confidence_estimate_with_per_class_calibration() -> None:
    rng = np.random.default_rng(12)

    def batch(rows: int) -> tuple[np.ndarray, np.ndarray]:
        logits = rng.normal(size=(rows, 3)) * 1.5
        truth = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
        labels = (truth.cumsum(axis=1) > rng.random((rows, 1))).argmax(axis=1).astype(str)
        sharp = np.exp(3 * logits) / np.exp(3 * logits).sum(axis=1, keepdims=True)
        return sharp, labels

    scores, labels = batch(4000)
    estimator = Estimator.fit(Reference(MULTICLASS, labels, scores, ["0", "1", "2"]))
    assert any(estimator.calibrated)
    found = estimator.estimate(*batch(1500))
    for name in ("accuracy", "weighted_f1", "weighted_precision", "weighted_recall"):
        entry = found[name]
        assert entry["within"], (name, entry)
        assert abs(entry["error"]) < 0.03, (name, entry)


def test_direct_loss_estimation_of_a_regression() -> None:
    rng = np.random.default_rng(13)

    def batch(rows: int, shift: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
        x = rng.normal(size=rows) + shift
        prediction = 2 * x
        labels = prediction + rng.normal(size=rows) * (0.5 + np.abs(x))  # errors grow with |x|
        return prediction, labels

    estimator = Estimator.fit(Reference(REGRESSION, *batch(4000)[::-1]))
    clean = estimator.estimate(*batch(1000))
    for name in ("mae", "rmse", "mse", "r2"):
        assert clean[name]["within"], (name, clean[name])
    assert abs(clean["mae"]["error"]) < 0.1
    # Shifted to larger |x|: larger errors, which the loss model learnt from the reference.
    moved = estimator.estimate(*batch(1000, shift=1.0))
    assert moved["mae"]["value"] > clean["mae"]["value"] + 0.2
    assert moved["mae"]["within"] and moved["rmse"]["within"]
    assert estimate_quality(REGRESSION, batch(10)[0], None) is None  # no reference, no estimate
