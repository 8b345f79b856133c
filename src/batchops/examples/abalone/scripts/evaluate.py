"""EvaluateAbaloneModel: score the test split, write evaluation.json in Model Monitor's shape.

Runs as a processing job: `python evaluate.py [--champion-model URI] [--challenger-metric
rmse] [--challenger-margin 0]`, with <base>/model holding the TrainAbaloneModel step's
model.tar.gz and <base>/test the test split (headerless, Rings first), <base> being
$BATCHOPS_PROCESSING_DIR or /opt/ml/processing. Writes <base>/evaluation/evaluation.json:
Model Monitor's `regression_metrics` (mae, mse, rmse, r2 with their standard deviations),
which the CheckMSEAbaloneEvaluation step reads (`regression_metrics.mse.value`), plus the
champion/challenger gate (rmse: lower is better); and score_distribution.json, the
reference period the label-free estimate and prediction drift are measured against.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from batchops.errors import BatchopsError
from batchops.examples.holdout import (
    model_location,
    read_labelled_csv,
    single_csv,
    write_evaluation,
)
from batchops.models import load_model
from batchops.models.evaluation import challenger_gate, evaluation_report
from batchops.models.problem_types import REGRESSION
from batchops.monitor.reference import reference_document


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Evaluate the abalone model on the test split.")
    parser.add_argument("--champion-model", default="", help="The approved model to beat.")
    parser.add_argument("--challenger-metric", default="rmse")
    parser.add_argument("--challenger-margin", type=float, default=0.0)
    args = parser.parse_args(argv)
    base = Path(os.environ.get("BATCHOPS_PROCESSING_DIR", "/opt/ml/processing"))
    model = load_model(model_location(base / "model"))
    test_file = single_csv(base / "test")
    rings, features = read_labelled_csv(test_file, numeric_labels=True)
    predictions = model.predict(features)
    report = evaluation_report(REGRESSION, rings, predictions)
    report["challenger"] = challenger_gate(
        report,
        REGRESSION,
        rings,
        features,
        args.champion_model,
        args.challenger_metric,
        args.challenger_margin,
    )
    reference = reference_document(REGRESSION, rings, predictions)
    write_evaluation(base / "evaluation", report, reference)
    metrics = report["regression_metrics"]
    print(
        f"Evaluated {rings.size} rows of {test_file.name}: "
        + ", ".join(f"{name} {metrics[name]['value']:.4f}" for name in ("mse", "rmse", "r2"))
    )


if __name__ == "__main__":
    try:
        main()
    except BatchopsError as error:
        print(f"evaluate.py: {error}", file=sys.stderr)
        sys.exit(2)
