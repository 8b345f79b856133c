"""A regression example beside churn: the age of abalone (its shell's rings) from measurements.

SageMaker's own pipelines example trains XGBoost (`reg:squarederror`) on the UCI abalone data
and registers the model only when the holdout's mse is low enough; this is that workflow on
batchops, with data of the same shape generated here (`data`: `batchops data abalone`).

- `data`: synthetic abalone rows with an id, clean or drifted (`write_abalone_csv`).
- `scripts/`: prepare.py (one-hot Sex, splits, the encoding), evaluate.py (Model Monitor's
  `regression_metrics`, the champion/challenger gate on rmse, the reference period).
- `pipelines`: `abalone-train-and-baseline` and `abalone-batch-inference`.
"""

from __future__ import annotations

from batchops.examples.abalone.data import RAW_COLUMNS, write_abalone_csv

__all__ = ["RAW_COLUMNS", "write_abalone_csv"]
