"""Hyperparameters as notebooks set them for SageMaker's XGBoost images: every name and value
those images accept is taken, mapped to today's XGBoost or dropped with a note in the log."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from batchops.errors import InvalidInput
from batchops.models import load_model
from batchops.models.hyperparameters import parse_hyperparameters
from batchops.models.xgboost import train

WALKTHROUGH = {  # the walkthrough's estimator.set_hyperparameters(...), as SageMaker sends them
    "objective": "binary:logistic",
    "num_round": "48",
    "max_depth": "5",
    "eta": "0.2",
    "gamma": "4",
    "min_child_weight": "6",
    "subsample": "0.7",
    "silent": "0",
}


def test_the_walkthrough_hyperparameters_are_taken_and_silent_becomes_verbosity() -> None:
    plan = parse_hyperparameters(WALKTHROUGH)
    assert plan.num_boost_round == 48
    assert plan.params["max_depth"] == 5 and plan.params["eta"] == 0.2
    assert plan.params["verbosity"] == 1
    assert "silent" not in plan.params
    assert plan.notes == ("hyperparameter silent=0 mapped to verbosity=1",)
    assert parse_hyperparameters({**WALKTHROUGH, "silent": 1}).params["verbosity"] == 0
    given = parse_hyperparameters({**WALKTHROUGH, "verbosity": "2"})
    assert given.params["verbosity"] == 2  # an explicit verbosity wins over silent


@pytest.mark.parametrize(
    ("given", "expected", "note"),
    [
        ({"objective": "reg:linear"}, {"objective": "reg:squarederror"}, "reg:squarederror"),
        ({"tree_method": "gpu_hist"}, {"tree_method": "hist"}, "tree_method=hist"),
        ({"learning_rate": "0.1"}, {"eta": 0.1}, "learning_rate mapped to eta"),
        ({"reg_lambda": "2"}, {"lambda": 2.0}, "reg_lambda mapped to lambda"),
        ({"updater": "grow_histmaker,prune"}, {"updater": "grow_quantile_histmaker,prune"}, ""),
    ],
)
def test_old_spellings_are_mapped_to_todays_xgboost_with_a_note(
    given: dict[str, str], expected: dict[str, object], note: str
) -> None:
    plan = parse_hyperparameters({"num_round": "2", **given})
    for name, value in expected.items():
        assert plan.params[name] == value
    assert plan.notes and note in plan.notes[0]


@pytest.mark.parametrize(
    "given",
    [
        {"lambda_bias": "0.5"},
        {"dsplit": "row"},
        {"predictor": "cpu_predictor"},
        {"prob_buffer_row": "2"},
        {"single_precision_histogram": "true"},
        {"deterministic_histogram": "true"},
        {"save_model_on_termination": "true"},
        {"_kfold": "5", "_num_cv_round": "3"},
        {"_tuning_objective_metric": "validation:auc"},
        {"sampling_method": "gradient_based"},
    ],
)
def test_settings_todays_xgboost_has_no_use_for_are_dropped_with_a_note(
    given: dict[str, str],
) -> None:
    plan = parse_hyperparameters({"num_round": "2", **given})
    for name in given:
        assert name not in plan.params
        assert any(note.startswith(f"hyperparameter {name}=") for note in plan.notes)


def test_values_the_images_refuse_are_still_refused_with_the_name() -> None:
    with pytest.raises(InvalidInput, match="hyperparameter silent=2 is outside"):
        parse_hyperparameters({"num_round": "2", "silent": "2"})
    with pytest.raises(InvalidInput, match="unknown hyperparameter 'num_rounds'"):
        parse_hyperparameters({"num_rounds": "2"})


def test_training_logs_each_mapping_and_trains_with_the_mapped_values(tmp_path: Path) -> None:
    rng = np.random.default_rng(5)
    features = rng.normal(size=(300, 3))
    labels = features[:, 0] * 2 + rng.normal(0, 0.1, 300)
    folder = tmp_path / "train"
    folder.mkdir()
    np.savetxt(folder / "t.csv", np.column_stack([labels, features]), delimiter=",")
    lines: list[str] = []
    archive = train(
        train=folder,
        validation=None,
        model_dir=tmp_path / "model",
        hyperparameters={"objective": "reg:linear", "num_round": "5", "lambda_bias": "0.1"},
        log=lines.append,
    )
    assert "hyperparameter objective=reg:linear mapped to objective=reg:squarederror" in lines
    assert any(line.startswith("hyperparameter lambda_bias=0.1 dropped") for line in lines)
    assert load_model(archive).manifest.objective == "reg:squarederror"


def _weighted_channel(root: Path) -> tuple[Path, Path]:
    """The same rows twice: with a weight column after the target (positives weigh 10), and
    without it."""
    rng = np.random.default_rng(11)
    features = rng.random((400, 2))
    labels = (features[:, 0] + rng.normal(0, 0.3, 400) > 0.6).astype(float)
    weights = np.where(labels == 1, 10.0, 1.0)
    weighted, plain = root / "weighted", root / "plain"
    weighted.mkdir()
    plain.mkdir()
    np.savetxt(weighted / "t.csv", np.column_stack([labels, weights, features]), delimiter=",")
    np.savetxt(plain / "t.csv", np.column_stack([labels, features]), delimiter=",")
    return weighted, plain


def test_csv_weights_reads_the_column_after_the_target_as_weights(tmp_path: Path) -> None:
    weighted, plain = _weighted_channel(tmp_path)
    hyperparameters = {"objective": "binary:logistic", "num_round": "3", "max_depth": "2"}
    with_weights = train(
        train=weighted,
        validation=None,
        model_dir=tmp_path / "weighted-model",
        hyperparameters={**hyperparameters, "csv_weights": "1"},
        log=lambda _line: None,
    )
    without = train(
        train=plain,
        validation=None,
        model_dir=tmp_path / "plain-model",
        hyperparameters=hyperparameters,
        log=lambda _line: None,
    )
    # the weight column is not a feature: both models read the same two features
    assert load_model(with_weights).manifest.n_features == 2
    assert load_model(without).manifest.n_features == 2
    probe = np.array([[0.9, 0.1], [0.1, 0.9]], dtype=np.float32)
    heavier = load_model(with_weights).predict(probe)
    assert (heavier > load_model(without).predict(probe)).all()  # positives weighed more
