"""The holdout an evaluation script reads: the trained model's archive and a labelled CSV.

Shared by the examples' evaluate.py scripts (processing jobs): where the model is, the one
test file, its rows as (labels, features) with every bad input one clear error, and the two
files an evaluation leaves.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from batchops.errors import InvalidInput
from batchops.store.artifacts import atomic_open


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


def read_labelled_csv(path: Path, numeric_labels: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """(labels, features as float32 with NaN for empty fields) of a headerless CSV whose
    first column is the label: 0 or 1 (Int8), or with `numeric_labels` any number."""
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
    allowed = label.is_not_null() if numeric_labels else label.is_in([0, 1])
    bad = (~allowed).fill_null(True).arg_true()
    if bad.len():
        row = int(bad[0])
        what = "empty" if numeric_labels else "not 0 or 1"
        raise InvalidInput(f"{path}, line {row + 1}: label {label[row]!r} is {what}")
    features = frame.drop(frame.columns[0]).cast(pl.Float32).to_numpy()
    labels = label.cast(pl.Float64 if numeric_labels else pl.Int8).to_numpy()
    return labels, np.ascontiguousarray(features, dtype=np.float32)


def write_evaluation(folder: Path, report: dict[str, Any], reference: dict[str, Any]) -> None:
    """`evaluation.json` (Model Monitor's metrics, which the condition step reads and the
    registry keeps) and `score_distribution.json` (the reference period of prediction drift
    and the label-free estimates), each written whole or not at all."""
    with atomic_open(folder / "evaluation.json", "w") as handle:
        json.dump(report, handle, indent=2)
    with atomic_open(folder / "score_distribution.json", "w") as handle:
        json.dump(reference, handle)
