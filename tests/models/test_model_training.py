from __future__ import annotations

import json
import subprocess
import sys
import tarfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import xgboost

from batchops.errors import InvalidInput
from batchops.models import load_model
from batchops.models.xgboost import train

HYPERPARAMETERS = {
    "objective": "binary:logistic",
    "num_round": "12",
    "max_depth": "3",
    "eta": "0.3",
    "gamma": "0",
    "min_child_weight": "1",
    "subsample": "0.8",
    "seed": "3",
}


def _train(
    channels: dict[str, Path],
    out: str,
    hyperparameters: Mapping[str, str | int | float] = HYPERPARAMETERS,
    **kwargs: Any,
) -> Path:
    lines: list[str] = []
    archive = train(
        train=channels["train"],
        validation=channels["validation"],
        model_dir=channels["root"] / out,
        hyperparameters=hyperparameters,
        log=lines.append,
        **kwargs,
    )
    (channels["root"] / f"{out}.log").write_text("\n".join(lines))
    return archive


def _read_channel_files(folder: Path) -> np.ndarray:
    files = sorted(folder.glob("*.csv"))
    return np.concatenate([np.loadtxt(f, delimiter=",", ndmin=2) for f in files])


def test_round_trip_predictions_equal_xgboost_trained_directly(channels):
    archive = _train(channels, "model")
    model = load_model(archive)

    data = _read_channel_files(channels["train"])
    reference = xgboost.train(
        {
            "objective": "binary:logistic",
            "max_depth": 3,
            "eta": 0.3,
            "gamma": 0,
            "min_child_weight": 1,
            "subsample": 0.8,
            "seed": 3,
        },
        xgboost.DMatrix(data[:, 1:].astype(np.float32), label=data[:, 0]),
        num_boost_round=12,
    )
    rows = _read_channel_files(channels["validation"])[:, 1:].astype(np.float32)
    expected = reference.inplace_predict(rows)
    got = model.predict(rows)
    assert got.shape == (rows.shape[0],)
    np.testing.assert_array_equal(got, expected)
    assert ((got > 0.5) == (rows[:, 0] - rows[:, 2] > 0)).mean() > 0.8


def test_archive_layout_and_manifest(channels):
    archive = _train(channels, "model")
    with tarfile.open(archive) as tar:
        names = sorted(tar.getnames())
        manifest = json.loads(tar.extractfile("batchops-model.json").read())  # type: ignore[union-attr]
        booster_text = tar.extractfile("xgboost-model").read()  # type: ignore[union-attr]
    assert names == ["batchops-model.json", "xgboost-model"]
    assert json.loads(booster_text)["learner"]["objective"]["name"] == "binary:logistic"
    assert manifest["flavor"] == "xgboost"
    assert manifest["loader"] == "batchops.models.xgboost"
    assert manifest["model_file"] == "xgboost-model"
    assert manifest["n_features"] == 4
    assert manifest["feature_names"] == ["f0", "f1", "f2", "f3"]
    assert manifest["content_type"] == "text/csv" and manifest["header"] is False
    assert manifest["xgboost_version"] == xgboost.__version__


def test_same_seed_same_bytes(channels):
    first = _train(channels, "a").read_bytes()
    second = _train(channels, "b").read_bytes()
    assert first == second


def test_logs_every_round_with_train_and_validation_metrics(channels):
    _train(channels, "model", hyperparameters={**HYPERPARAMETERS, "eval_metric": "logloss,auc"})
    rounds = [
        line
        for line in (channels["root"] / "model.log").read_text().splitlines()
        if line.startswith("[")
    ]
    assert len(rounds) == 12
    assert rounds[0].startswith("[0]\ttrain-logloss:")
    assert "validation-auc:" in rounds[-1] and rounds[-1].startswith("[11]")


def test_feature_names_from_schema_folder_or_argument(channels):
    schema = channels["root"] / "schema"
    schema.mkdir()
    (schema / "vocabulary.json").write_text(json.dumps({"feature_names": ["a", "b", "c", "d"]}))
    from_schema = load_model(_train(channels, "s", schema=schema))
    assert from_schema.manifest.feature_names == ["a", "b", "c", "d"]
    given = load_model(_train(channels, "g", feature_names=["w", "x", "y", "z"], schema=schema))
    assert given.manifest.feature_names == ["w", "x", "y", "z"]
    with pytest.raises(InvalidInput, match="3 feature names given but the training data has 4"):
        _train(channels, "bad", feature_names=["w", "x", "y"])


@pytest.mark.parametrize(
    ("hyperparameters", "message"),
    [
        ({"num_round": "5", "max_dpth": "3"}, "unknown hyperparameter 'max_dpth'; did you mean"),
        ({"num_round": "five"}, "num_round: expected an integer, got 'five'"),
        ({"num_round": "2.5"}, "num_round: expected an integer"),
        ({"num_round": "5", "eta": "1.5"}, "eta=1.5 is outside"),
        ({"num_round": "5", "subsample": "0"}, "subsample=0 is outside"),
        ({"max_depth": "3"}, "num_round is required"),
        ({"num_round": "3", "objective": "binary:nonsense"}, "XGBoost refused"),
    ],
)
def test_bad_hyperparameters_are_refused(channels, hyperparameters, message):
    with pytest.raises(InvalidInput, match=message):
        _train(channels, "model", hyperparameters=hyperparameters)
    assert not (channels["root"] / "model" / "model.tar.gz").exists()


def test_malformed_training_row_names_file_and_line(channels):
    bad = channels["train"] / "part-2.csv"
    bad.write_text("1,0.5,0.2,0.1,0.3\n0,0.1,0.2\n")
    with pytest.raises(InvalidInput, match=r"part-2\.csv, line 2: expected 5 fields, found 3"):
        _train(channels, "model")
    bad.write_text("1,0.5,0.2,0.1,0.3\n0,0.1,abc,0.2,0.3\n")
    with pytest.raises(InvalidInput, match=r"part-2\.csv, line 2: column 3: 'abc' is not a number"):
        _train(channels, "model")


def test_ignores_hidden_and_underscore_files_and_needs_some_csv(channels, tmp_path):
    (channels["train"] / "_SUCCESS.csv").write_text("garbage\n")
    (channels["train"] / ".hidden.csv").write_text("garbage\n")
    assert _train(channels, "model").exists()
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(InvalidInput, match=r"holds no \*\.csv files"):
        train(
            train=empty,
            validation=None,
            model_dir=tmp_path / "m",
            hyperparameters=HYPERPARAMETERS,
            log=lambda _: None,
        )


def test_entry_point_exit_codes(channels):
    command = [
        sys.executable,
        "-m",
        "batchops.models.train",
        "--train",
        str(channels["train"]),
        "--validation",
        str(channels["validation"]),
        "--model-dir",
        str(channels["root"] / "cli"),
    ]
    ok = subprocess.run(
        [*command, "--hyperparameters", json.dumps(HYPERPARAMETERS)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert ok.returncode == 0, ok.stderr
    assert "[11]\ttrain-logloss" in ok.stdout
    assert (channels["root"] / "cli" / "model.tar.gz").exists()

    bad = subprocess.run(
        [*command, "--hyperparameters", '{"num_round": "x"}'],
        capture_output=True,
        text=True,
        check=False,
    )
    assert bad.returncode == 2
    assert "num_round: expected an integer" in bad.stderr
