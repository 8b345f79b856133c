"""EvaluateModel: score the test split with the trained model, write evaluation.json.

Runs as a processing job: `python evaluate.py [--threshold 0.5]`, with <base>/model holding
the TrainModel step's model.tar.gz and <base>/test the PrepareData step's test.csv (headerless,
the 0/1 label first), where <base> is $BATCHOPS_PROCESSING_DIR or SageMaker's
/opt/ml/processing. It writes <base>/evaluation/evaluation.json under Model Monitor's
model-quality names, e.g. `binary_classification_metrics.accuracy.value`, which the
PerformanceConditionalCheck step reads and the registry stores with the model version, and
<base>/evaluation/score_distribution.json: the holdout's score distribution and a labelled
sample of it, the reference period of prediction drift and of the label-free estimates.

Unlike the original's evaluate.py, AUC is computed from the predicted probabilities: the
original passed the rounded 0/1 predictions to roc_auc_score, which measures one point of the
ROC curve, not the area under it. Labels for accuracy, precision, recall and F1 are
probability > threshold (the original's np.round). Bad input: a message on stderr, exit code 2.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from batchops.errors import BatchopsError, InvalidInput
from batchops.examples.holdout import (
    model_location,
    read_labelled_csv,
    single_csv,
    write_evaluation,
)
from batchops.models import load_model
from batchops.models.evaluation import challenger_gate, evaluation_report
from batchops.models.problem_types import BINARY
from batchops.monitor.reference import reference_document


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
    report = evaluation_report(BINARY, labels, probabilities, threshold=args.threshold)
    report["challenger"] = challenger_gate(
        report,
        BINARY,
        labels,
        features,
        args.champion_model,
        args.challenger_metric,
        args.challenger_margin,
        args.threshold,
    )

    write_evaluation(base / "evaluation", report, reference_document(BINARY, labels, probabilities))
    metrics = report["binary_classification_metrics"]
    print(
        f"Evaluated {labels.size} rows of {test_file.name}: "
        + ", ".join(f"{name} {metrics[name]['value']:.4f}" for name in ("accuracy", "auc", "f1"))
    )


if __name__ == "__main__":
    try:
        main()
    except BatchopsError as error:
        print(f"evaluate.py: {error}", file=sys.stderr)
        sys.exit(2)
