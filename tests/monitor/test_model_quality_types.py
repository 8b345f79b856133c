"""The model-quality job for each of Model Monitor's problem types, through the command line:
regression checked against SageMaker's own files, multiclass against figures this test
computes itself, from predicted labels and from per-class probabilities."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from batchops.monitor.ground_truth import add_ground_truth
from batchops.store.prediction_files import NewPredictionFile, index_prediction_files
from support.cli import run_batchops


def _load(folder: Path, name: str) -> dict:
    return json.loads((folder / name).read_text())


def _regression(fixtures_dir: Path, out: Path, *extra: str) -> object:
    data = fixtures_dir / "model-quality" / "regression" / "baseline_dataset.csv"
    return run_batchops(
        "model-quality", "--dataset", str(data), "--problem-type", "Regression",
        "--inference-attribute", "Prediction", "--ground-truth-attribute", "Label",
        "--out", str(out), *extra,
    )  # fmt: skip


def test_regression_statistics_equal_sagemaker_s_file(fixtures_dir: Path, tmp_path: Path) -> None:
    done = _regression(fixtures_dir, tmp_path / "baseline")
    assert done.returncode == 0, done.stderr
    ours = _load(tmp_path / "baseline", "statistics.json")
    theirs = _load(fixtures_dir / "model-quality" / "regression", "statistics.json")
    assert ours == theirs  # every digit, r2 as the service computes it, "NaN" below 200 rows
    suggested = _load(tmp_path / "baseline", "constraints.json")["regression_constraints"]
    assert {name: rule["comparison_operator"] for name, rule in suggested.items()} == {
        "mae": "GreaterThanThreshold",
        "mse": "GreaterThanThreshold",
        "rmse": "GreaterThanThreshold",
        "r2": "LessThanThreshold",
    }
    assert _load(tmp_path / "baseline", "constraint_violations.json") == {"violations": []}


def test_the_bad_case_violates_exactly_what_sagemaker_s_does(
    fixtures_dir: Path, tmp_path: Path
) -> None:
    bad = fixtures_dir / "model-quality" / "regression" / "bad_cases" / "constraints.json"
    done = _regression(fixtures_dir, tmp_path / "check", "--constraints", str(bad), "--json")
    assert done.returncode == 0, done.stderr
    (violation,) = _load(tmp_path / "check", "constraint_violations.json")["violations"]
    assert violation["metric_name"] == "mse"
    assert violation["constraint_check_type"] == "GreaterThanThreshold"
    assert violation["description"] == (
        "Metric mse with 0.33364933609800973 was GreaterThanThreshold 0.03364933609800973"
    )
    # Thresholds equal to the value (mae, rmse, r2) do not violate, even a digit apart.
    theirs = json.loads(bad.read_text())["regression_constraints"]
    nudged = {**theirs, "r2": {**theirs["r2"], "threshold": -3.208758170289027}}
    (tmp_path / "nudged.json").write_text(json.dumps({"regression_constraints": nudged}))
    again = _regression(
        fixtures_dir, tmp_path / "again", "--constraints", str(tmp_path / "nudged.json")
    )
    assert again.returncode == 0, again.stderr
    names = [
        v["metric_name"]
        for v in _load(tmp_path / "again", "constraint_violations.json")["violations"]
    ]
    assert names == ["mse"]
    failed = _regression(
        fixtures_dir, tmp_path / "failed", "--constraints", str(bad), "--fail-on-violation"
    )
    assert failed.returncode == 1 and "Metric mse with" in failed.stderr
    assert (tmp_path / "failed" / "constraint_violations.json").exists()


def test_standard_deviations_come_from_200_rows_up_and_stay_the_same_run_to_run(
    tmp_path: Path,
) -> None:
    rng = np.random.default_rng(4)
    label = rng.normal(size=1000)
    frame = pl.DataFrame({"y": label, "p": label + rng.normal(scale=0.5, size=1000)})
    frame.write_csv(tmp_path / "big.csv")
    frame.head(199).write_csv(tmp_path / "small.csv")
    figures = []
    for name in ("big", "big", "small"):
        out = tmp_path / f"out-{len(figures)}"
        done = run_batchops(
            "model-quality", "--dataset", str(tmp_path / f"{name}.csv"), "--problem-type",
            "Regression", "--inference-attribute", "p", "--ground-truth-attribute", "y",
            "--out", str(out),
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        figures.append(_load(out, "statistics.json")["regression_metrics"])
    assert figures[0] == figures[1]
    assert {f["standard_deviation"] for f in figures[2].values()} == {"NaN"}
    # mae's spread over 80% subsamples: about sd(|e|) * sqrt(0.2 / (0.8 * 1000)).
    expected = np.std(np.abs((frame["y"] - frame["p"]).to_numpy())) * np.sqrt(0.2 / 800)
    assert 0.2 * expected < figures[0]["mae"]["standard_deviation"] < 3 * expected


def _multiclass_figures(truth: list[str], predicted: list[str]) -> dict[str, float]:
    """Accuracy and support-weighted precision, recall and F1, counted here row by row."""
    classes = sorted(set(truth) | set(predicted))
    support = Counter(truth)
    figures = {"accuracy": sum(t == p for t, p in zip(truth, predicted, strict=True)) / len(truth)}
    for name in ("precision", "recall", "f1"):
        figures[f"weighted_{name}"] = 0.0
    for c in classes:
        tp = sum(t == c and p == c for t, p in zip(truth, predicted, strict=True))
        said = sum(p == c for p in predicted)
        precision = tp / said if said else 0.0
        recall = tp / support[c] if support[c] else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        weight = support[c] / len(truth)
        figures["weighted_precision"] += weight * precision
        figures["weighted_recall"] += weight * recall
        figures["weighted_f1"] += weight * f1
    top = support.most_common(1)[0][1] / len(truth)
    figures["accuracy_best_constant_classifier"] = top
    figures["weighted_precision_best_constant_classifier"] = top * top
    return figures


@pytest.mark.parametrize("given", ["labels", "probabilities"])
def test_multiclass_metrics_from_labels_or_class_probabilities(tmp_path: Path, given: str) -> None:
    rng = np.random.default_rng(7)
    classes = ["bird", "cat", "dog"]
    rows = 600
    truth = rng.choice(classes, rows, p=[0.2, 0.5, 0.3])
    scores = rng.dirichlet([1, 1, 1], rows) + np.eye(3)[[classes.index(t) for t in truth]] * 0.6
    scores /= scores.sum(axis=1, keepdims=True)
    predicted = np.asarray(classes)[scores.argmax(axis=1)]
    columns = {"actual": truth, "guess": predicted}
    columns.update({f"prob_{c}": scores[:, i] for i, c in enumerate(classes)})
    pl.DataFrame(columns).write_csv(tmp_path / "data.csv")
    attribute = ["--inference-attribute", "guess"] if given == "labels" else [
        "--probability-attribute", "prob",
    ]  # fmt: skip
    done = run_batchops(
        "model-quality", "--dataset", str(tmp_path / "data.csv"), "--problem-type",
        "MulticlassClassification", *attribute, "--ground-truth-attribute", "actual",
        "--out", str(tmp_path / "out"),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    body = _load(tmp_path / "out", "statistics.json")["multiclass_classification_metrics"]
    expected = _multiclass_figures(truth.tolist(), predicted.tolist())
    for name, value in expected.items():
        assert body[name]["value"] == pytest.approx(value), name
        assert isinstance(body[name]["standard_deviation"], float)  # 600 rows: from subsamples
    matrix = Counter(zip(truth.tolist(), predicted.tolist(), strict=True))
    assert body["confusion_matrix"] == {a: {p: matrix[(a, p)] for p in classes} for a in classes}
    assert body["per_class"]["cat"]["support"] == int((truth == "cat").sum())
    constraints = _load(tmp_path / "out", "constraints.json")
    rules = constraints["multiclass_classification_constraints"]
    assert rules["accuracy"] == {
        "threshold": pytest.approx(expected["accuracy"]),
        "comparison_operator": "LessThanThreshold",
    }


def test_a_traced_multiclass_run_is_measured_with_labels_uploaded_later(tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    rows = 300
    scores = rng.dirichlet([2, 2, 2], rows)
    ids = [f"r-{i}" for i in range(rows)]
    truth = [str(k) for k in (scores.cumsum(axis=1) > rng.random((rows, 1))).argmax(axis=1)]
    target = tmp_path / "out" / "_batchops_predictions" / "batch.parquet"
    target.parent.mkdir(parents=True)
    pl.DataFrame(
        {"inference_id": ids, **{f"probability_{k}": scores[:, k] for k in range(3)}}
    ).write_parquet(target)
    index_prediction_files([NewPredictionFile(str(target), rows)])
    (tmp_path / "labels.jsonl").write_text(
        "".join(
            json.dumps({"groundTruthData": {"data": f"{t}.0"}, "eventMetadata": {"eventId": i}})
            + "\n"
            for i, t in zip(ids[:200], truth[:200], strict=True)
        )
    )
    add_ground_truth(tmp_path / "labels.jsonl")
    done = run_batchops("model-quality", "--predictions", str(tmp_path / "out"), "--json")
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)["champion"]
    assert summary["problem_type"] == "MulticlassClassification"
    assert summary["labelled"] == 200
    expected = _multiclass_figures(truth[:200], [str(k) for k in scores[:200].argmax(axis=1)])
    assert summary["realised"]["accuracy"] == pytest.approx(expected["accuracy"])
    estimate = summary["estimate"]
    assert estimate["method"] == "confidence-based performance estimation"
    assert (
        estimate["accuracy"]["lower"]
        <= estimate["accuracy"]["value"]
        <= estimate["accuracy"]["upper"]
    )
    assert estimate["accuracy"]["realised"] == pytest.approx(expected["accuracy"])


def test_dataset_mode_refuses_what_it_cannot_read(tmp_path: Path) -> None:
    (tmp_path / "data.csv").write_text("y,p\n1,0.5\nx,0.2\n")
    base = ["model-quality", "--dataset", str(tmp_path / "data.csv"), "--out", str(tmp_path / "o")]
    cases = [
        (["--problem-type", "Ranking", "--ground-truth-attribute", "y"], "not one of Regression"),
        (["--problem-type", "Regression"], "--dataset needs --problem-type, --ground-truth"),
        (
            ["--problem-type", "Regression", "--ground-truth-attribute", "y",
             "--inference-attribute", "p"],
            "label 'x' of inference id '2'",
        ),
        (
            ["--problem-type", "Regression", "--ground-truth-attribute", "z",
             "--inference-attribute", "p"],
            "no column 'z'",
        ),
    ]  # fmt: skip
    for extra, message in cases:
        done = run_batchops(*base, *extra)
        assert done.returncode == 2, done.stdout
        assert message in done.stderr, done.stderr
        assert len(done.stderr.strip().splitlines()) == 1


def test_a_multiclass_job_reads_today_s_single_probability_files(tmp_path: Path) -> None:
    target = tmp_path / "out" / "_batchops_predictions" / "old.parquet"
    target.parent.mkdir(parents=True)
    pl.DataFrame({"inference_id": ["a", "b", "c"], "probability": [0.9, 0.2, 0.6]}).write_parquet(
        target
    )
    index_prediction_files([NewPredictionFile(str(target), 3)])
    (tmp_path / "labels.csv").write_text("id,label\na,1\nb,1\nc,0\n")
    add_ground_truth(tmp_path / "labels.csv", id_column="id", label_column="label")
    done = run_batchops(
        "model-quality", "--predictions", str(tmp_path / "out"), "--problem-type",
        "MulticlassClassification", "--out", str(tmp_path / "mq"),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    body = _load(tmp_path / "mq", "statistics.json")["multiclass_classification_metrics"]
    assert body["confusion_matrix"] == {"0": {"0": 0, "1": 1}, "1": {"0": 1, "1": 1}}
    assert body["accuracy"]["value"] == pytest.approx(1 / 3)
