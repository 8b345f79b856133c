"""XGBoost learns the generated data; evaluate.py reports what the model really does."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from churn_helpers import run_script

from batchops.examples.churn.pipelines import HYPERPARAMETERS
from batchops.models.metrics import roc_auc


@pytest.fixture(scope="module")
def trained(prepared_5000: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A processing folder holding the prepared test split and the model trained on train."""
    from batchops.models.xgboost import train

    base = tmp_path_factory.mktemp("evaluate")
    shutil.copytree(prepared_5000 / "test", base / "test")
    train(
        train=prepared_5000 / "train",
        validation=prepared_5000 / "validation",
        model_dir=base / "model",
        hyperparameters=HYPERPARAMETERS,
        schema=prepared_5000 / "vocabulary",
        log=lambda line: None,
    )
    return base


def _test_split(base: Path) -> tuple[np.ndarray, np.ndarray]:
    rows = np.loadtxt(base / "test" / "test.csv", delimiter=",", dtype=np.float32)
    return rows[:, 0].astype(int), rows[:, 1:]


def test_xgboost_learns_the_generated_data(trained: Path) -> None:
    from batchops.models import load_model

    labels, features = _test_split(trained)
    probabilities = load_model(trained / "model" / "model.tar.gz").predict(features)
    majority = max(labels.mean(), 1 - labels.mean())
    accuracy = float(((probabilities > 0.5) == labels).mean())
    assert majority < 0.56
    assert accuracy >= 0.85
    assert roc_auc(labels, probabilities) >= 0.9


def test_evaluate_writes_the_models_real_metrics(trained: Path) -> None:
    from batchops.models import load_model

    result = run_script("evaluate.py", trained)
    assert result.code == 0, result.stderr
    assert "accuracy" in result.stdout
    report = json.loads((trained / "evaluation" / "evaluation.json").read_text())
    metrics = report["binary_classification_metrics"]

    labels, features = _test_split(trained)
    probabilities = load_model(trained / "model" / "model.tar.gz").predict(features)
    predicted = probabilities > 0.5
    assert metrics["accuracy"]["value"] == pytest.approx(float((predicted == labels).mean()))
    assert metrics["auc"]["value"] == pytest.approx(roc_auc(labels, probabilities))
    true_positives = int((predicted & (labels == 1)).sum())
    assert metrics["confusion_matrix"]["1"]["1"] == true_positives
    assert sum(sum(row.values()) for row in metrics["confusion_matrix"].values()) == 500
    for name in ("precision", "recall", "f1"):
        assert 0.8 < metrics[name]["value"] <= 1.0
        assert isinstance(metrics[name]["standard_deviation"], float)  # 500 rows >= 200


def test_evaluate_refuses_bad_input(trained: Path, tmp_path: Path) -> None:
    base = tmp_path / "job"
    shutil.copytree(trained / "test", base / "test")
    result = run_script("evaluate.py", base)
    assert result.code == 2 and "no model at" in result.stderr

    shutil.copytree(trained / "model", base / "model")
    narrow = base / "test" / "test.csv"
    narrow.write_text(
        "\n".join(",".join(line.split(",")[:50]) for line in narrow.read_text().splitlines())
    )
    result = run_script("evaluate.py", base)
    assert result.code == 2 and "49 features after the label" in result.stderr
    assert "expects 99" in result.stderr

    narrow.write_text("2,1,2\n")
    result = run_script("evaluate.py", base)
    assert result.code == 2 and "label 2 is not 0 or 1" in result.stderr
    assert not (base / "evaluation" / "evaluation.json").exists()
