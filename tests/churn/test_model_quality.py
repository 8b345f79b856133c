"""Model quality over time: raw extracts scored, predictions traced, late labels joined."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from batchops.examples.churn import write_churn_csv
from batchops.examples.churn.encoding import prepare_batch_file
from batchops.examples.churn.pipelines import HYPERPARAMETERS
from batchops.models.metrics import binary_classification_metrics
from batchops.models.problem_types import BINARY
from batchops.models.xgboost import train
from batchops.monitor.estimate import estimate_quality
from batchops.store.metrics import metric_history, upsert_metrics
from batchops.transform import transform


@pytest.fixture(scope="module")
def model(tmp_path_factory: pytest.TempPathFactory, prepared_5000: Path) -> Path:
    out = tmp_path_factory.mktemp("model")
    return train(
        train=prepared_5000 / "train",
        validation=prepared_5000 / "validation",
        model_dir=out,
        hyperparameters=HYPERPARAMETERS,
        schema=prepared_5000 / "vocabulary",
        log=lambda _line: None,
    )


def batchops(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "batchops.cli.main", *args], capture_output=True, text=True
    )


def raw_batch(tmp_path: Path, rows: int = 1000, seed: int = 7, drift: str | None = None) -> Path:
    path = write_churn_csv(tmp_path / f"raw-{seed}.csv", rows, seed=seed, drift=drift)
    frame = pl.read_csv(path, infer_schema=False)
    ids = pl.Series("customer_id", [f"c{seed}-{i}" for i in range(frame.height)])
    frame.insert_column(0, ids).write_csv(path)
    return path


def test_raw_scoring_equals_the_prepared_layout_and_counts_unknown_categories(
    tmp_path: Path, model: Path, prepared_5000: Path
) -> None:
    raw = raw_batch(tmp_path)
    prepared = prepare_batch_file(
        raw, prepared_5000 / "vocabulary" / "vocabulary.json", tmp_path / "prepared.csv"
    )
    by_raw = transform(model, raw, tmp_path / "out-raw", workers=0, id_column="customer_id")
    by_prepared = transform(model, prepared, tmp_path / "out-prepared", input_filter="$[1:]")
    assert by_raw.layout == "raw" and by_raw.rows == 1000
    raw_out = pl.read_csv(by_raw.output_files[0], has_header=False)
    prepared_out = pl.read_csv(by_prepared.output_files[0], has_header=False)
    assert raw_out.to_series(0).to_list()[:2] == ["c7-0", "c7-1"]  # the id, first
    np.testing.assert_allclose(raw_out.to_series(1), prepared_out.to_series(0), rtol=1e-6)

    frame = pl.read_csv(raw, infer_schema=False).with_columns(
        pl.when(pl.int_range(pl.len()) < 5)
        .then(pl.lit("ZZ"))
        .otherwise(pl.col("State"))
        .alias("State")
    )
    frame.write_csv(tmp_path / "new-state.csv")
    unseen = transform(model, tmp_path / "new-state.csv", tmp_path / "out-new", workers=0)
    assert unseen.unknown_categories == {"State": 5}


def test_a_raw_extract_takes_the_whole_record_filter_but_no_positions(
    tmp_path: Path, model: Path
) -> None:
    raw = raw_batch(tmp_path, rows=50)
    args = ("transform", "--model", str(model), "--input", str(raw), "--workers", "0")
    whole = batchops(*args, "--output", str(tmp_path / "whole"), "--input-filter", "$")
    assert whole.returncode == 0, whole.stderr
    assert len((tmp_path / "whole" / raw.name).with_suffix(".csv.out").read_text().split()) == 50
    positions = batchops(*args, "--output", str(tmp_path / "cut"), "--input-filter", "$[2:]")
    assert positions.returncode == 2
    assert "selects positions of the prepared layout" in positions.stderr


def test_labels_arriving_later_give_the_evaluation_figures(tmp_path: Path, model: Path) -> None:
    raw = raw_batch(tmp_path)
    out = tmp_path / "scored"
    transform(model, raw, out, workers=0, id_column="customer_id")
    frame = pl.read_csv(raw, infer_schema=False)
    frame.select("customer_id", "Churn?").write_csv(tmp_path / "labels.csv")
    added = batchops(
        "ground-truth",
        "add",
        str(tmp_path / "labels.csv"),
        "--id-column",
        "customer_id",
        "--label-column",
        "Churn?",
        "--positive",
        "True.",
        "--json",
    )
    assert added.returncode == 0, added.stderr
    assert json.loads(added.stdout)["rows"] == 1000
    report = tmp_path / "report"
    done = batchops("model-quality", "--predictions", str(out), "--out", str(report), "--json")
    assert done.returncode == 0, done.stderr
    statistics = json.loads((report / "statistics.json").read_text())
    scored = pl.read_csv(out / "raw-7.csv.out", has_header=False)
    labels = (frame.get_column("Churn?") == "True.").cast(pl.Int8).to_numpy()
    expected = binary_classification_metrics(labels, scored.to_series(1).to_numpy())
    for name in ("accuracy", "auc", "f1"):
        assert statistics["binary_classification_metrics"][name]["value"] == pytest.approx(
            expected["binary_classification_metrics"][name]["value"]
        )
    constraints = json.loads((report / "constraints.json").read_text())
    auc_rule = constraints["binary_classification_constraints"]["auc"]
    assert auc_rule["comparison_operator"] == "LessThanThreshold"
    summary = json.loads(done.stdout)["champion"]
    assert summary["label_coverage"] == 1.0 and summary["violations"] == []


def test_bad_labels_are_one_clear_error(tmp_path: Path, model: Path) -> None:
    # Labels are stored as given; a binary job refuses one that is not 0 or 1, naming it.
    raw = raw_batch(tmp_path, rows=20, seed=3)
    out = tmp_path / "scored"
    transform(model, raw, out, workers=0, id_column="customer_id")
    (tmp_path / "labels.csv").write_text("id,label\nc3-0,1\nc3-1,2\n")
    added = batchops(
        "ground-truth",
        "add",
        str(tmp_path / "labels.csv"),
        "--id-column",
        "id",
        "--label-column",
        "label",
    )
    assert added.returncode == 0, added.stderr
    bad = batchops("model-quality", "--predictions", str(out))
    assert bad.returncode == 2, bad.stderr
    assert "'2'" in bad.stderr and "not 0 or 1" in bad.stderr and "labels.csv" in bad.stderr
    (tmp_path / "twice.csv").write_text("id,label\na,1\na,0\n")
    twice = batchops(
        "ground-truth",
        "add",
        str(tmp_path / "twice.csv"),
        "--id-column",
        "id",
        "--label-column",
        "label",
    )
    assert twice.returncode == 2 and "more than once" in twice.stderr
    (tmp_path / "gt.jsonl").write_text(
        '{"groundTruthData": {"data": "1", "encoding": "CSV"}, '
        '"eventMetadata": {"eventId": "x-1"}, "eventVersion": "0"}\n'
    )
    jsonl = batchops("ground-truth", "add", str(tmp_path / "gt.jsonl"), "--json")
    assert jsonl.returncode == 0, jsonl.stderr
    assert json.loads(jsonl.stdout)["unmatched"] == 1  # no prediction has that id: counted


def test_the_estimate_covers_the_realised_accuracy_and_moves_on_drift(
    tmp_path: Path, model: Path
) -> None:
    same = raw_batch(tmp_path, rows=3000, seed=11)
    result = transform(model, same, tmp_path / "same", workers=0)
    probabilities = pl.read_csv(result.output_files[0], has_header=False).to_series(0)
    labels = (pl.read_csv(same, infer_schema=False)["Churn?"] == "True.").to_numpy()
    realised = float(((probabilities.to_numpy() > 0.5) == labels).mean())
    estimate = estimate_quality(BINARY, probabilities.to_numpy(), None)["accuracy"]
    assert estimate["lower"] - 0.01 <= realised <= estimate["upper"] + 0.01
    drifted = raw_batch(tmp_path, rows=3000, seed=12, drift="shift")
    moved = transform(model, drifted, tmp_path / "drifted", workers=0)
    other = pl.read_csv(moved.output_files[0], has_header=False).to_series(0).to_numpy()
    moved = estimate_quality(BINARY, other, None)["accuracy"]["value"]
    assert moved != pytest.approx(estimate["value"])


def test_a_late_label_updates_that_dates_datapoint() -> None:
    upsert_metrics("run-1", {"model_quality.accuracy": 0.8}, key="g/1|2024-05-01")
    upsert_metrics("run-2", {"model_quality.accuracy": 0.9}, key="g/1|2024-05-01")
    upsert_metrics("run-3", {"model_quality.accuracy": 0.7}, key="g/1|2024-05-02")
    points = metric_history("model_quality.accuracy")
    assert sorted(p["value"] for p in points) == [0.7, 0.9]


def test_the_champion_gate_rejects_a_worse_model_and_accepts_a_better_one(
    tmp_path: Path, model: Path, prepared_5000: Path
) -> None:
    from batchops.examples.churn.scripts.evaluate import read_labelled_csv
    from batchops.models import load_model
    from batchops.models.evaluation import challenger_gate

    weak = train(
        train=prepared_5000 / "train",
        validation=None,
        model_dir=tmp_path / "weak",
        hyperparameters={**HYPERPARAMETERS, "num_round": 1, "max_depth": 1},
        schema=prepared_5000 / "vocabulary",
        log=lambda _line: None,
    )
    labels, features = read_labelled_csv(prepared_5000 / "test" / "test.csv")

    def gate(new: Path, champion: str) -> dict[str, object]:
        report = binary_classification_metrics(labels, load_model(new).predict(features))
        return challenger_gate(report, BINARY, labels, features, champion, "auc", 0.0, 0.5)

    assert gate(weak, str(model))["gap"] < 0  # rejected: worse than the approved model
    assert gate(model, str(weak))["gap"] > 0  # accepted: better
    assert gate(weak, "")["gap"] == 0.0  # no approved version: the gate passes


def test_a_version_carries_the_champions_figure_and_the_gap() -> None:
    from batchops.models.metrics import evaluation_values

    evaluation = {
        "binary_classification_metrics": {"auc": {"value": 0.95}},
        "challenger": {"metric": "auc", "margin": 0.0, "new": 0.95, "champion": 0.9, "gap": 0.05},
    }
    assert evaluation_values(evaluation) == {
        "auc": 0.95,
        "champion_auc": 0.9,
        "challenger_gap": 0.05,
    }
    evaluation["challenger"] = {"metric": "auc", "new": 0.95, "champion": None, "gap": 0.0}
    assert evaluation_values(evaluation) == {"auc": 0.95}  # no approved version yet
