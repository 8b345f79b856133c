"""Batch transform: score CSV, JSON Lines or Parquet inputs with a packaged model.

`transform(model, input, output, workers=N, ...)` streams the input in mini-batches through
N worker processes and writes `<input file>.out` per input file, one line per record, in
input order, with SageMaker's `input_filter` / `join_source` / `output_filter`. Memory is
bounded by batch size times workers, not by the input. Importing this package is cheap;
polars, pyarrow and XGBoost load when a transform runs.
"""

from __future__ import annotations

from batchops.transform.api import (
    DEFAULT_MAX_BYTES,
    DEFAULT_MAX_ROWS,
    TransformResult,
    estimate_rows,
    transform,
)

__all__ = [
    "DEFAULT_MAX_BYTES",
    "DEFAULT_MAX_ROWS",
    "TransformResult",
    "estimate_rows",
    "transform",
]
