"""Join 1,000,000 predictions with their labels and compute the model-quality metrics.

Run: `PYTHONPATH=src python benchmarks/model_quality.py`. Predictions and labels are Parquet
files, as a traced transform and `ground-truth add` write them; the target is < 2 s.
"""

from __future__ import annotations

import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl

from batchops.monitor.model_quality import join_predictions, model_quality

ROWS = 1_000_000
TARGET_SECONDS = 2.0


@dataclass(frozen=True)
class Measurement:
    rows: int
    seconds: float
    auc: float
    label_coverage: float


def measure(rows: int = ROWS, *, seed: int = 0) -> Measurement:
    """Write `rows` traced predictions and their labels (shuffled) as Parquet, then time the
    join and the metrics, as `batchops model-quality` runs them."""
    rng = np.random.default_rng(seed)
    probabilities = rng.random(rows)
    labels = (rng.random(rows) < probabilities).astype(np.int8)
    ids = pl.Series("inference_id", [f"run/batch.csv/{i}" for i in range(1, rows + 1)])
    with tempfile.TemporaryDirectory() as folder:
        predictions = Path(folder) / "predictions.parquet"
        pl.DataFrame({"inference_id": ids, "probability": probabilities}).write_parquet(predictions)
        shuffled = rng.permutation(rows)
        label_file = Path(folder) / "labels.parquet"
        pl.DataFrame({"inference_id": ids, "label": labels})[shuffled].write_parquet(label_file)
        started = time.perf_counter()
        joined = join_predictions([str(predictions)], pl.read_parquet(label_file))
        result = model_quality(joined, Path(folder) / "report")
        seconds = time.perf_counter() - started
    auc = result.statistics["binary_classification_metrics"]["auc"]["value"]
    return Measurement(rows, seconds, float(auc), float(result.summary["label_coverage"]))


def main() -> None:
    figure = measure()
    verdict = "PASS" if figure.seconds < TARGET_SECONDS else "MISSED"
    print(
        f"joined {figure.rows:,} predictions with labels and computed metrics in "
        f"{figure.seconds:.2f} s (target < {TARGET_SECONDS:g} s: {verdict}; auc {figure.auc:.4f}, "
        f"label coverage {figure.label_coverage:.0%})"
    )
    sys.exit(0 if verdict == "PASS" else 1)


if __name__ == "__main__":
    main()
