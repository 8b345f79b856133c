"""Multiclass and regression models through evaluation, the champion/challenger gate and a
traced transform: each problem type compared on its own metric, its outputs traced in the
layout its model-quality job reads."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl
import pytest

from batchops.models import load_model
from batchops.models.evaluation import challenger_gate, evaluation_report
from batchops.models.problem_types import MULTICLASS, REGRESSION, of_objective
from batchops.models.xgboost import train
from batchops.monitor.predictions import traced_predictions
from batchops.transform import transform


def _channel(folder: Path, labels: np.ndarray, features: np.ndarray) -> Path:
    folder.mkdir(parents=True)
    pl.DataFrame(np.column_stack([labels, features])).write_csv(
        folder / "data.csv", include_header=False
    )
    return folder


def _three_classes(rows: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    features = rng.normal(size=(rows, 4))
    labels = np.digitize(features[:, 0] + 0.5 * features[:, 1], [-0.5, 0.5]).astype(float)
    return labels, features


def _model(tmp_path: Path, name: str, objective: str, rounds: int, data: tuple) -> Path:
    extra = {"num_class": 3} if objective.startswith("multi") else {}
    return train(
        train=_channel(tmp_path / name / "train", *data),
        validation=None,
        model_dir=tmp_path / name,
        hyperparameters={"objective": objective, "num_round": rounds, "max_depth": 3, **extra},
        log=lambda _line: None,
    )


def test_a_multiclass_challenger_is_gated_on_accuracy(tmp_path: Path) -> None:
    data = _three_classes(1500, 1)
    strong = _model(tmp_path, "strong", "multi:softprob", 30, data)
    shuffled = np.random.default_rng(9).permutation(data[0])  # labels that say nothing
    weak = _model(tmp_path, "weak", "multi:softprob", 30, (shuffled, data[1]))
    labels, features = _three_classes(500, 2)
    assert of_objective(load_model(strong).manifest.objective) is MULTICLASS

    def gate(new: Path, champion: Path) -> dict:
        report = evaluation_report(MULTICLASS, labels, load_model(new).predict(features))
        assert report["multiclass_classification_metrics"]["confusion_matrix"].keys() == {
            "0",
            "1",
            "2",
        }
        return challenger_gate(report, MULTICLASS, labels, features, str(champion))

    beaten = gate(weak, strong)
    assert beaten["metric"] == "accuracy" and not beaten["lower_is_better"]
    assert beaten["gap"] < 0 and beaten["new"] < beaten["champion"]
    assert gate(strong, weak)["gap"] > 0


def test_a_regression_challenger_is_gated_on_rmse_lower_being_better(tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    features = rng.normal(size=(1500, 3))
    target = 3 * features[:, 0] + rng.normal(size=1500)
    good = _model(tmp_path, "good", "reg:squarederror", 40, (target, features))
    poor = _model(tmp_path, "poor", "reg:squarederror", 2, (target, features))
    report = evaluation_report(REGRESSION, target, load_model(good).predict(features))
    gate = challenger_gate(report, REGRESSION, target, features, str(poor), margin=0.0)
    assert gate["metric"] == "rmse" and gate["lower_is_better"]
    assert gate["gap"] == pytest.approx(gate["champion"] - gate["new"]) and gate["gap"] > 0
    with pytest.raises(Exception, match="'auc' is not a Regression metric"):
        challenger_gate(report, REGRESSION, target, features, "", metric="auc")


@pytest.mark.parametrize(
    ("objective", "columns"),
    [
        ("multi:softprob", ["probability_0", "probability_1", "probability_2"]),
        ("reg:squarederror", ["prediction"]),
    ],
)
def test_a_traced_transform_keeps_the_layout_its_problem_type_reads(
    tmp_path: Path, objective: str, columns: list[str]
) -> None:
    labels, features = _three_classes(300, 4)
    model = _model(tmp_path, "model", objective, 10, (labels, features))
    batch = tmp_path / "batch.csv"
    pl.DataFrame(features).write_csv(batch, include_header=False)
    out = tmp_path / "scored"
    transform(model, batch, out, workers=0, id_prefix="run-1")
    (traced,) = (out / "_batchops_predictions").glob("*.parquet")
    frame = pl.read_parquet(traced)
    assert frame.columns == ["inference_id", *columns, "input_file", "row"]
    problem = of_objective(objective)
    assert problem is not None
    read = traced_predictions([str(traced)], problem)
    assert read.rows == 300 and read.problem is problem
    if problem is MULTICLASS:
        assert read.classes == ["0", "1", "2"]
        expected = load_model(model).predict(features.astype(np.float32)).argmax(axis=1)
        assert read.frame["predicted"].to_list() == [str(k) for k in expected]
