"""`_cN` -> the model's feature names for a headerless baseline of the model's training data:
after the label when the baseline has one more column than the model reads (the walkthrough's
`_c0`), from `_c0` when it has as many; nothing when neither fits or the model has no names."""

from __future__ import annotations

import tarfile
from pathlib import Path

import numpy as np
import pytest

from batchops.monitor import baseline
from batchops.runtime.summary import baseline_column_labels
from batchops.wording import feature_title

NAMES = ["tenure", "Day Mins"]


def _model(folder: Path, names: list[str] | None) -> str:
    import xgboost as xgb

    from batchops.models.manifest import MANIFEST_FILE, MODEL_FILE, ModelManifest

    folder.mkdir(parents=True)
    rows = np.random.default_rng(0).random((20, 2))
    booster = xgb.train({"objective": "binary:logistic"}, xgb.DMatrix(rows, label=rows[:, 0] > 0.5))
    (folder / MODEL_FILE).write_bytes(bytes(booster.save_raw("json")))
    if names is not None:
        (folder / MANIFEST_FILE).write_text(
            ModelManifest(feature_names=names, n_features=len(names)).to_json()
        )
    archive = folder / "model.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        for member in folder.iterdir():
            if member != archive:
                tar.add(member, arcname=member.name)
    return str(archive)


def _baseline(folder: Path, columns: int) -> str:
    data = folder / "train.csv"
    data.write_text(
        "".join(",".join(f"{r + c}.5" for c in range(columns)) + "\n" for r in range(40))
    )
    return baseline(data, folder / "baseline", header=False).statistics_uri


@pytest.mark.parametrize(
    ("columns", "expected"),
    [
        (3, {"_c1": "tenure", "_c2": "Day Mins"}),  # the label first, as in the walkthrough
        (2, {"_c0": "tenure", "_c1": "Day Mins"}),  # no label column
        (5, {}),  # neither: no guessing
    ],
)
def test_the_baselines_columns_are_named_after_the_label(
    tmp_path: Path, columns: int, expected: dict[str, str]
) -> None:
    labels = baseline_column_labels(_model(tmp_path / "m", NAMES), _baseline(tmp_path, columns))
    assert labels == expected
    assert feature_title("_c0", labels) == ("tenure (_c0)" if columns == 2 else "_c0")


def test_a_model_without_names_names_nothing(tmp_path: Path) -> None:
    assert baseline_column_labels(_model(tmp_path / "m", None), _baseline(tmp_path, 3)) == {}
