"""Binary-classification metrics in Model Monitor's shape, checked against counting by hand."""

from __future__ import annotations

import itertools
import json

import numpy as np
import pytest

from batchops.errors import InvalidInput
from batchops.models.metrics import binary_classification_metrics, roc_auc


def _pairwise_auc(truth: np.ndarray, prob: np.ndarray) -> float:
    """AUC by definition: the share of (positive, negative) pairs ranked right, ties half."""
    wins = 0.0
    pairs = 0
    for p, n in itertools.product(prob[truth == 1], prob[truth == 0]):
        wins += 1.0 if p > n else 0.5 if p == n else 0.0
        pairs += 1
    return wins / pairs


@pytest.mark.parametrize("seed", range(6))
def test_auc_equals_the_pairwise_definition_with_ties(seed: int) -> None:
    rng = np.random.default_rng(seed)
    size = int(rng.integers(5, 80))
    truth = rng.integers(0, 2, size)
    truth[:2] = [0, 1]
    prob = rng.integers(0, 6, size) / 5.0  # few distinct values: many ties
    assert roc_auc(truth, prob) == pytest.approx(_pairwise_auc(truth, prob), abs=1e-12)
    doc = binary_classification_metrics(truth, prob)
    assert doc["binary_classification_metrics"]["auc"]["value"] == pytest.approx(
        _pairwise_auc(truth, prob), abs=1e-12
    )


def test_auc_extremes() -> None:
    assert roc_auc([0, 0, 1, 1], [0.1, 0.2, 0.8, 0.9]) == 1.0
    assert roc_auc([0, 0, 1, 1], [0.9, 0.8, 0.2, 0.1]) == 0.0
    assert roc_auc([0, 1, 0, 1], [0.5, 0.5, 0.5, 0.5]) == 0.5
    assert np.isnan(roc_auc([1, 1, 1], [0.2, 0.4, 0.9]))


def test_auc_uses_probabilities_not_rounded_labels() -> None:
    # all predicted positive at 0.5, yet perfectly ranked: AUC 1, accuracy 0.5
    truth = np.array([0, 0, 1, 1])
    prob = np.array([0.6, 0.7, 0.8, 0.9])
    metrics = binary_classification_metrics(truth, prob)["binary_classification_metrics"]
    assert metrics["auc"]["value"] == 1.0
    assert metrics["accuracy"]["value"] == 0.5


def test_label_metrics_by_hand() -> None:
    # actual:     1    1    1    0    0    0    0    1
    # predicted:  1    1    0    1    0    0    0    0   (threshold 0.5, 0.5 itself is 0)
    truth = np.array([1, 1, 1, 0, 0, 0, 0, 1])
    prob = np.array([0.9, 0.6, 0.4, 0.7, 0.1, 0.2, 0.5, 0.5])
    doc = binary_classification_metrics(truth, prob)
    metrics = doc["binary_classification_metrics"]
    # TP 2, FN 2, FP 1, TN 3
    assert metrics["confusion_matrix"] == {"0": {"0": 3, "1": 1}, "1": {"0": 2, "1": 2}}
    values = {k: v["value"] for k, v in metrics.items() if isinstance(v, dict) and "value" in v}
    assert values["accuracy"] == pytest.approx(5 / 8)
    assert values["precision"] == pytest.approx(2 / 3)
    assert values["recall"] == values["true_positive_rate"] == pytest.approx(2 / 4)
    assert values["true_negative_rate"] == pytest.approx(3 / 4)
    assert values["false_positive_rate"] == pytest.approx(1 / 4)
    assert values["false_negative_rate"] == pytest.approx(2 / 4)
    assert values["f1"] == pytest.approx(2 * 2 / (2 * 2 + 1 + 2))
    assert values["f2"] == pytest.approx(5 * (2 / 3) * 0.5 / (4 * (2 / 3) + 0.5))
    assert values["f0_5"] == pytest.approx(1.25 * (2 / 3) * 0.5 / (0.25 * (2 / 3) + 0.5))
    # the best constant classifier says "positive" to everyone
    assert values["recall_best_constant_classifier"] == 1.0
    assert values["precision_best_constant_classifier"] == pytest.approx(0.5)
    assert values["accuracy_best_constant_classifier"] == pytest.approx(0.5)
    assert values["f1_best_constant_classifier"] == pytest.approx(2 * 0.5 / 1.5)
    assert doc["dataset"]["item_count"] == 8
    # fewer than 200 rows: no standard deviation, written as the format writes it
    assert {v["standard_deviation"] for v in metrics.values() if "standard_deviation" in v} == {
        "NaN"
    }
    assert json.loads(json.dumps(doc)) == doc  # plain JSON, no NaN floats


def test_the_documented_example_of_model_monitor() -> None:
    # Model Monitor's documentation example: matrix 0:{0:1,1:2}, 1:{0:0,1:1}
    truth = np.array([0, 0, 0, 1])
    prob = np.array([0.2, 0.8, 0.9, 0.7])
    metrics = binary_classification_metrics(truth, prob)["binary_classification_metrics"]
    assert metrics["confusion_matrix"] == {"0": {"0": 1, "1": 2}, "1": {"0": 0, "1": 1}}
    assert metrics["recall"]["value"] == 1.0
    assert metrics["precision"]["value"] == pytest.approx(1 / 3)
    assert metrics["accuracy"]["value"] == 0.5
    assert metrics["precision_best_constant_classifier"]["value"] == 0.25
    assert metrics["accuracy_best_constant_classifier"]["value"] == 0.25
    assert metrics["true_negative_rate"]["value"] == pytest.approx(1 / 3)


def test_threshold_moves_the_labels_not_the_auc() -> None:
    truth = np.array([0, 1, 0, 1, 1])
    prob = np.array([0.3, 0.35, 0.6, 0.7, 0.95])
    low = binary_classification_metrics(truth, prob, threshold=0.2)["binary_classification_metrics"]
    high = binary_classification_metrics(truth, prob, threshold=0.8)[
        "binary_classification_metrics"
    ]
    assert low["recall"]["value"] == 1.0 and high["recall"]["value"] == pytest.approx(1 / 3)
    assert low["auc"] == high["auc"]


def test_undefined_values_are_nan_strings() -> None:
    metrics = binary_classification_metrics([0, 0, 0], [0.1, 0.2, 0.3])[
        "binary_classification_metrics"
    ]
    assert metrics["precision"]["value"] == "NaN"  # nothing predicted positive
    assert metrics["recall"]["value"] == "NaN"  # no positives at all
    assert metrics["auc"]["value"] == "NaN"
    assert metrics["accuracy"]["value"] == 1.0


def test_standard_deviation_from_200_rows() -> None:
    rng = np.random.default_rng(1)
    truth = rng.integers(0, 2, 1000)
    prob = np.clip(truth * 0.3 + rng.random(1000) * 0.7, 0, 1)
    metrics = binary_classification_metrics(truth, prob)["binary_classification_metrics"]
    deviation = metrics["accuracy"]["standard_deviation"]
    assert isinstance(deviation, float) and 0 < deviation < 0.05
    again = binary_classification_metrics(truth, prob)["binary_classification_metrics"]
    assert again == metrics  # deterministic


def test_curves_run_from_the_origin_to_the_corner() -> None:
    rng = np.random.default_rng(2)
    truth = rng.integers(0, 2, 5000)
    prob = rng.random(5000)
    metrics = binary_classification_metrics(truth, prob)["binary_classification_metrics"]
    roc = metrics["receiver_operating_characteristic_curve"]
    assert roc["false_positive_rates"][0] == roc["true_positive_rates"][0] == 0.0
    assert roc["false_positive_rates"][-1] == roc["true_positive_rates"][-1] == 1.0
    assert np.all(np.diff(roc["false_positive_rates"]) >= 0)
    assert len(roc["false_positive_rates"]) <= 102
    area = np.trapezoid(roc["true_positive_rates"], roc["false_positive_rates"])
    assert area == pytest.approx(metrics["auc"]["value"], abs=0.01)
    pr = metrics["precision_recall_curve"]
    assert pr["recalls"][-1] == 1.0 and pr["precisions"][-1] == pytest.approx(truth.mean())


@pytest.mark.parametrize(
    ("truth", "prob", "message"),
    [
        ([0, 1], [0.5], "2 labels but 1 predictions"),
        ([], [], "no rows"),
        ([0, 2], [0.1, 0.2], "labels must be 0 or 1"),
        ([0, 1], [0.1, float("nan")], "NaN at row 2"),
    ],
)
def test_bad_input(truth: list[int], prob: list[float], message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        binary_classification_metrics(truth, prob)
