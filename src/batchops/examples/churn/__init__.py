"""The customer-churn example of the AWS walkthrough "MLOps for batch use cases".

- `data`: synthetic data shaped like the walkthrough's churn.txt, and drifted variants
  (`write_churn_csv`, `DRIFT_KINDS`, `DRIFT_EFFECTS`).
- `encoding`: the model's input layout (the original's get_dummies preprocessing), its
  `Vocabulary`, and `prepare_batch_file` to encode a raw batch for scoring.
- `scripts/`: the processing scripts the pipeline runs (prepare.py, evaluate.py).
- `pipelines`: the two pipelines, `train-and-baseline` and `batch-inference`.

Importing this package loads no numpy, polars or XGBoost; the functions do when called.
"""

from __future__ import annotations

from batchops.examples.churn.data import DRIFT_EFFECTS, DRIFT_KINDS, RAW_COLUMNS, write_churn_csv
from batchops.examples.churn.encoding import Vocabulary, encode, prepare_batch_file

__all__ = [
    "DRIFT_EFFECTS",
    "DRIFT_KINDS",
    "RAW_COLUMNS",
    "Vocabulary",
    "encode",
    "prepare_batch_file",
    "write_churn_csv",
]
