"""EvaluateModel: score the test split with the trained model, write evaluation.json.

Runs as a processing job: `python evaluate.py [--threshold 0.5]`, with <base>/model holding
the TrainModel step's model.tar.gz and <base>/test the PrepareData step's test.csv (headerless,
the 0/1 label first), where <base> is $BATCHOPS_PROCESSING_DIR or SageMaker's
/opt/ml/processing. It writes <base>/evaluation/evaluation.json under Model Monitor's
model-quality names, e.g. `binary_classification_metrics.accuracy.value`, which the
PerformanceConditionalCheck step reads and the registry stores with the model version.

Unlike the original's evaluate.py, AUC is computed from the predicted probabilities: the
original passed the rounded 0/1 predictions to roc_auc_score, which measures one point of the
ROC curve, not the area under it. Labels for accuracy, precision, recall and F1 are
probability > threshold (the original's np.round). Bad input: a message on stderr, exit code 2.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from batchops.errors import BatchopsError, InvalidInput
from batchops.models import load_model
from batchops.models.metrics import binary_classification_metrics, evaluation_values
from batchops.monitor.prediction_drift import score_distribution
from batchops.store.artifacts import atomic_open


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Evaluate the churn model on the test split.")
    parser.add_argument("--threshold", type=float, default=0.5)
    parser.add_argument("--champion-model", default="", help="The approved model to beat.")
    parser.add_argument("--challenger-metric", default="auc")
    parser.add_argument("--challenger-margin", type=float, default=0.0)
    args = parser.parse_args(argv)
    base = Path(os.environ.get("BATCHOPS_PROCESSING_DIR", "/opt/ml/processing"))

    model = load_model(model_location(base / "model"))
    test_file = single_csv(base / "test")
    labels, features = read_labelled_csv(test_file)
    if features.shape[1] != model.manifest.n_features:
        raise InvalidInput(
            f"{test_file}: rows have {features.shape[1]} features after the label, but the "
            f"model expects {model.manifest.n_features}"
        )
    probabilities = model.predict(features)
    report = binary_classification_metrics(labels, probabilities, threshold=args.threshold)
    report["challenger"] = challenger_gate(
        report,
        labels,
        features,
        args.champion_model,
        args.challenger_metric,
        args.challenger_margin,
        args.threshold,
    )

    with atomic_open(base / "evaluation" / "evaluation.json", "w") as handle:
        json.dump(report, handle, indent=2)
    with atomic_open(base / "evaluation" / "score_distribution.json", "w") as handle:
        json.dump(score_distribution(probabilities), handle, indent=2)
    metrics = report["binary_classification_metrics"]
    print(
        f"Evaluated {labels.size} rows of {test_file.name}: "
        + ", ".join(f"{name} {metrics[name]['value']:.4f}" for name in ("accuracy", "auc", "f1"))
    )


def challenger_gate(
    report: dict[str, Any],
    labels: np.ndarray,
    features: np.ndarray,
    champion_model: str,
    metric: str,
    margin: float,
    threshold: float,
) -> dict[str, Any]:
    """The new model against the approved one on the same holdout: `gap` = new - champion -
    margin, so the gate passes at gap >= 0; without a champion the gap is 0 (it passes)."""
    new = evaluation_values(report).get(metric)
    if new is None:
        raise InvalidInput(f"--challenger-metric {metric!r} is not a binary classification metric")
    gate: dict[str, Any] = {"metric": metric, "margin": margin, "new": new, "champion": None}
    if not champion_model:
        return {**gate, "champion_model": None, "gap": 0.0}
    champion = load_model(champion_model)
    if champion.manifest.n_features != features.shape[1]:
        return {**gate, "champion_model": champion_model, "gap": 0.0, "note": "other layout"}
    figures = binary_classification_metrics(labels, champion.predict(features), threshold)
    old = evaluation_values(figures)[metric]
    return {**gate, "champion": old, "champion_model": champion_model, "gap": new - old - margin}


def model_location(folder: Path) -> Path:
    if not folder.exists():
        raise InvalidInput(f"no model at {folder}: the TrainModel step's model.tar.gz goes there")
    archive = folder / "model.tar.gz"
    return archive if archive.is_file() else folder


def single_csv(folder: Path) -> Path:
    if not folder.is_dir():
        raise InvalidInput(f"no test folder {folder}: the test split test.csv goes there")
    files = sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith("."))
    if len(files) != 1:
        raise InvalidInput(f"expected one test CSV in {folder}, found {len(files)}")
    return files[0]


def read_labelled_csv(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """(labels 0/1, features as float32 with NaN for empty fields) of a headerless CSV."""
    try:
        frame = pl.read_csv(path, has_header=False, infer_schema_length=None)
    except pl.exceptions.PolarsError as exc:
        raise InvalidInput(f"{path}: not a numeric headerless CSV ({exc})") from exc
    if frame.height == 0:
        raise InvalidInput(f"{path}: no rows to evaluate")
    text_columns = [i for i, dtype in enumerate(frame.dtypes) if not dtype.is_numeric()]
    if text_columns:
        raise InvalidInput(f"{path}: column {text_columns[0] + 1} holds text, not numbers")
    label = frame.to_series(0)
    bad = (~label.is_in([0, 1])).fill_null(True).arg_true()
    if bad.len():
        row = int(bad[0])
        raise InvalidInput(f"{path}, line {row + 1}: label {label[row]!r} is not 0 or 1")
    features = frame.drop(frame.columns[0]).cast(pl.Float32).to_numpy()
    return label.cast(pl.Int8).to_numpy(), np.ascontiguousarray(features, dtype=np.float32)


if __name__ == "__main__":
    try:
        main()
    except BatchopsError as error:
        print(f"evaluate.py: {error}", file=sys.stderr)
        sys.exit(2)
