"""Join 1,000,000 predictions with their labels and compute the model-quality metrics.

Run: `PYTHONPATH=src python benchmarks/model_quality.py`. Predictions and labels are Parquet
files, as a traced transform and `ground-truth add` write them; the target is < 2 s.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import polars as pl

from batchops.monitor.model_quality import join_predictions, model_quality

ROWS = 1_000_000


def main() -> None:
    rng = np.random.default_rng(0)
    probabilities = rng.random(ROWS)
    labels = (rng.random(ROWS) < probabilities).astype(np.int8)
    ids = pl.Series("inference_id", [f"run/batch.csv/{i}" for i in range(1, ROWS + 1)])
    with tempfile.TemporaryDirectory() as folder:
        predictions = Path(folder) / "predictions.parquet"
        pl.DataFrame({"inference_id": ids, "probability": probabilities}).write_parquet(predictions)
        shuffled = rng.permutation(ROWS)
        label_file = Path(folder) / "labels.parquet"
        pl.DataFrame({"inference_id": ids, "label": labels})[shuffled].write_parquet(label_file)
        started = time.perf_counter()
        joined = join_predictions([str(predictions)], pl.read_parquet(label_file))
        result = model_quality(joined, Path(folder) / "report")
        seconds = time.perf_counter() - started
    auc = result.statistics["binary_classification_metrics"]["auc"]["value"]
    print(
        f"joined {ROWS:,} predictions with labels and computed metrics in {seconds:.2f} s "
        f"(auc {auc:.4f}, label coverage {result.summary['label_coverage']:.0%})"
    )
    sys.exit(0 if seconds < 2.0 else 1)


if __name__ == "__main__":
    main()
