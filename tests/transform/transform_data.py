"""A small trained model and data files in every format the transform reads (test helpers)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import xgboost

from batchops.models import ModelManifest, pack_model
from batchops.transform import TransformResult, transform

FEATURES = ["tenure", "calls", "minutes", "plan"]


@dataclass
class Dataset:
    root: Path
    model: Path
    booster: xgboost.Booster
    features: np.ndarray  # float32, the values exactly as written to the files
    ids: np.ndarray

    def expected(self, rows: np.ndarray | None = None) -> np.ndarray:
        return self.booster.inplace_predict(self.features if rows is None else rows)


def make_dataset(root: Path) -> Dataset:
    rng = np.random.default_rng(11)
    count = 3000
    features = np.column_stack(
        [
            rng.integers(1, 200, count),
            rng.integers(0, 10, count),
            rng.gamma(2.0, 3.0, count).round(2),
            rng.integers(0, 2, count),
        ]
    ).astype(np.float32)
    labels = (features[:, 2] + 2 * features[:, 1] - 8 * features[:, 3] > 10).astype(np.float32)
    booster = xgboost.train(
        {"objective": "binary:logistic", "max_depth": 3, "eta": 0.3, "seed": 1},
        xgboost.DMatrix(features, label=labels),
        num_boost_round=10,
    )
    manifest = ModelManifest(feature_names=FEATURES, n_features=len(FEATURES))
    model = root / "model.tar.gz"
    model.write_bytes(
        pack_model(
            {
                "xgboost-model": bytes(booster.save_raw("json")),
                "batchops-model.json": manifest.to_json().encode(),
            }
        )
    )
    ids = np.arange(1000, 1000 + count)
    data = Dataset(root, model, booster, features, ids)
    _write_files(data)
    return data


def _text(value: float) -> str:
    return repr(float(value)).removesuffix(".0") if float(value).is_integer() else str(value)


def csv_lines(data: Dataset, with_id: bool = False) -> list[str]:
    lines = []
    for index, row in zip(data.ids, data.features, strict=True):
        fields = [_text(v) for v in row]
        lines.append(",".join(([f"c-{index}"] if with_id else []) + fields))
    return lines


def _write_files(data: Dataset) -> None:
    root = data.root
    (root / "plain.csv").write_text("\n".join(csv_lines(data)) + "\n")
    (root / "with_id.csv").write_text("\n".join(csv_lines(data, with_id=True)) + "\n")
    (root / "header.csv").write_text(",".join(FEATURES) + "\n" + "\n".join(csv_lines(data)) + "\n")
    with (root / "objects.jsonl").open("w") as handle:
        for index, row in zip(data.ids, data.features, strict=True):
            record = {"id": int(index), "features": [float(v) for v in row]}
            handle.write(json.dumps(record) + "\n")
    with (root / "arrays.jsonl").open("w") as handle:
        for index, row in zip(data.ids, data.features, strict=True):
            handle.write(json.dumps([int(index), *(float(v) for v in row)]) + "\n")
    frame = pl.DataFrame(
        {"id": data.ids, **{n: data.features[:, i] for i, n in enumerate(FEATURES)}}
    )
    frame.write_parquet(root / "table.parquet", row_group_size=700)


def read_predictions(path: str | Path, column: int = -1) -> np.ndarray:
    """The prediction column of a CSV output, parsed straight to float32."""
    lines = Path(path).read_text().splitlines()
    values = pl.Series([line.split(",")[column] for line in lines])
    return values.cast(pl.Float32).to_numpy()


def score(
    data: Dataset, source: str | Path, out: Path, *, workers: int = 0, **options: Any
) -> TransformResult:
    """`transform()` with the dataset's model, in this process unless `workers` says otherwise.

    `source` is a file name in the dataset's folder, or an absolute path (which `/` keeps).
    """
    return transform(data.model, data.root / source, out, workers=workers, **options)


def json_lines(path: str | Path) -> list[Any]:
    return [json.loads(line) for line in Path(path).read_text().splitlines()]
