"""Model quality over time, through the real command line: a raw daily extract scored with
ids and checked under its real column names, labels later, realised figures equal to the
evaluation's on those rows, a pending version shadow-scored and compared."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

from batchops.examples.churn.data import write_churn_csv
from batchops.examples.churn.encoding import prepare_batch_file
from batchops.models.metrics import binary_classification_metrics
from batchops.transform import transform

pytestmark = pytest.mark.slow


def _step(execution: dict, name: str) -> dict:
    return next(s for s in execution["steps"] if s["name"] == name)


def _raw_extract(path: Path, seed: int, drift: str | None = None) -> Path:
    """A daily extract: the 21 raw columns (label included) and a customer id."""
    write_churn_csv(path, 600, seed=seed, drift=drift)
    frame = pl.read_csv(path, infer_schema=False)
    ids = pl.Series("customer_id", [f"s{seed}-{i}" for i in range(frame.height)])
    frame.insert_column(0, ids).write_csv(path)
    return path


def _train(cli, tmp_path: Path, seed: int, *extra: str) -> dict:
    data = write_churn_csv(tmp_path / f"churn-{seed}.csv", 3000, seed=seed)
    result = cli(
        "pipeline", "start", "train-and-baseline", "-p", f"InputData={data}", *extra,
        "--wait", "--json",
    )  # fmt: skip
    assert result.code == 0, result.stderr
    return result.json()


def test_a_raw_batch_s_realised_quality_equals_the_evaluation_on_those_rows(
    cli, tmp_path: Path
) -> None:
    trained = _train(cli, tmp_path, 7)
    assert _step(trained, "RawDataQualityCheckStep")["status"] == "Succeeded"
    version = cli("registry", "describe", "customer-churn/1", "--json").json()
    raw_statistics = json.loads(Path(version["baseline_raw"]["statistics_uri"]).read_text())
    raw_names = [f["name"] for f in raw_statistics["features"]]
    assert "Day Mins" in raw_names and "State" in raw_names and "Churn?" not in raw_names
    assert cli("registry", "approve", "customer-churn/1", "--reason", "e2e").code == 0

    extract = _raw_extract(tmp_path / "daily.csv", 21)
    scored = cli(
        "pipeline", "start", "batch-inference", "-p", f"InputData={extract}",
        "-p", "IdColumn=customer_id", "--wait", "--json",
    )  # fmt: skip
    assert scored.code == 0, scored.stderr
    run = scored.json()
    step = _step(run, "MonitorCustomerChurnDataQuality")["properties"]
    assert step["TransformOutput"]["Layout"] == "raw"
    assert step["TransformOutput"]["UnknownCategories"] == {}
    assert step["DataQuality"]["Violations"] == 0
    assert _step(run, "ShadowScore")["status"] == "NotExecuted"
    checked = json.loads(Path(step["DataQuality"]["Statistics"]).read_text())
    assert {f["name"] for f in checked["features"]} == set(raw_names)  # no label, no id

    added = cli(
        "ground-truth", "add", str(extract), "--id-column", "customer_id",
        "--label-column", "Churn?", "--positive", "True.", "--json",
    )  # fmt: skip
    assert added.code == 0, added.stderr
    measured = cli("model-quality", run["id"], "--out", str(tmp_path / "mq"), "--json")
    assert measured.code == 0, measured.stderr
    realised = measured.json()["champion"]
    assert realised["label_coverage"] == 1.0

    # evaluate.py's figures on the same rows: the prepared layout through the same model.
    vocabulary = _step(trained, "PrepareData")["properties"]["ProcessingOutputConfig"]
    vocabulary_dir = Path(vocabulary["Outputs"]["vocabulary"]["S3Output"]["S3Uri"])
    prepared = prepare_batch_file(
        extract, vocabulary_dir / "vocabulary.json", tmp_path / "prepared.csv"
    )
    by_prepared = transform(
        version["model_data_uri"], prepared, tmp_path / "prepared-out", input_filter="$[1:]"
    )
    labels = pl.read_csv(prepared, has_header=False).to_series(0).to_numpy()
    probabilities = pl.read_csv(by_prepared.output_files[0], has_header=False).to_series(0)
    evaluation = binary_classification_metrics(labels, probabilities.to_numpy())
    statistics = json.loads((tmp_path / "mq" / "statistics.json").read_text())
    for name in ("accuracy", "auc"):
        expected = evaluation["binary_classification_metrics"][name]["value"]
        assert statistics["binary_classification_metrics"][name]["value"] == pytest.approx(
            expected, abs=1e-9
        )
        assert realised["realised"][name] == pytest.approx(expected, abs=1e-9)

    lineage = cli("lineage", "prediction", "s21-5", "--json").json()
    assert lineage["model_version"] == "customer-churn/1"
    assert lineage["execution_id"] == run["id"]
    assert lineage["input_file"] == str(extract) and lineage["row"] == 6
    assert lineage["baseline"] == version["baseline_raw"]["statistics_uri"]

    # A drifted raw extract: violations under the real column names, never the label. `$`,
    # SageMaker's whole record, is a raw extract's filter as well as the default.
    drifted = _raw_extract(tmp_path / "drifted.csv", 22, drift="shift")
    result = cli(
        "pipeline", "start", "batch-inference", "-p", f"InputData={drifted}",
        "-p", "InputFilter=$", "--wait", "--json",
    )  # fmt: skip
    assert result.code == 0, result.stderr
    report = _step(result.json(), "MonitorCustomerChurnDataQuality")["properties"]["DataQuality"]
    violations = json.loads(Path(report["ViolationReport"]).read_text())["violations"]
    features = {v["feature_name"] for v in violations}
    assert "Day Mins" in features
    assert not features & {"Churn?", "customer_id", "Phone"}

    # A second version shadow-scores the next batch; both get realised figures.
    _train(cli, tmp_path, 9, "-p", "ChallengerMargin=-1")
    shadowed = cli(
        "pipeline", "start", "batch-inference", "-p", f"InputData={extract}",
        "-p", "IdColumn=customer_id", "-p", "ShadowPending=true", "--wait", "--json",
    )  # fmt: skip
    assert shadowed.code == 0, shadowed.stderr
    assert _step(shadowed.json(), "ShadowScore")["status"] == "Succeeded"
    both = cli("model-quality", shadowed.json()["id"], "--json").json()
    assert set(both) == {"champion", "shadow"}
    assert both["shadow"]["label_coverage"] == 1.0
    compared = cli("registry", "compare", "customer-churn/1", "customer-churn/2", "--json").json()
    assert [v["ref"] for v in compared["versions"]] == ["customer-churn/1", "customer-churn/2"]
    (by_date,) = compared["realised_by_date"].values()
    assert by_date["accuracy"][1] == pytest.approx(both["shadow"]["realised"]["accuracy"])
    assert all(value is not None for value in by_date["auc"])
    shown = cli("registry", "compare", "customer-churn/1", "customer-churn/2")
    assert "realised accuracy" in shown.stdout
