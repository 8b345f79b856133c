"""Ground truth as a user uploads it: raw labels read block by block, every bad input one
line naming the file and the line, and a job reading only the labels of its predictions."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

from batchops.models.problem_types import BINARY, MULTICLASS, REGRESSION
from batchops.monitor.ground_truth import add_ground_truth, encode_labels, labels_for
from batchops.monitor.predictions import traced_predictions
from batchops.store.prediction_files import (
    NewPredictionFile,
    ground_truth_sets,
    index_prediction_files,
)
from support.cli import run_batchops


def _record(event_id: str, label: str) -> str:
    return json.dumps(
        {
            "groundTruthData": {"data": label, "encoding": "CSV"},
            "eventMetadata": {"eventId": event_id},
            "eventVersion": "0",
        }
    )


def _one_line_error(result: object) -> str:
    assert result.returncode == 2, result.stdout  # type: ignore[attr-defined]
    lines = result.stderr.strip().splitlines()  # type: ignore[attr-defined]
    assert len(lines) == 1, result.stderr  # type: ignore[attr-defined]
    assert "Traceback" not in result.stderr and "RecursionError" not in result.stderr  # type: ignore[attr-defined]
    return lines[0]


def _traced(folder: Path, ids: list[str], **outputs: list[float]) -> Path:
    """A traced transform's prediction file, indexed as batch-inference indexes it."""
    target = folder / "_batchops_predictions" / "batch.csv.out.parquet"
    target.parent.mkdir(parents=True)
    pl.DataFrame({"inference_id": ids, **outputs}).write_parquet(target)
    index_prediction_files([NewPredictionFile(str(target), len(ids))])
    return target


def test_a_record_nested_100k_deep_is_one_line_naming_the_file_and_line(tmp_path: Path) -> None:
    deep = "[" * 100_000 + "]" * 100_000
    path = tmp_path / "labels.jsonl"
    path.write_text(
        "\n".join(
            [
                _record("a", "1"),
                _record("b", "0"),
                '{"groundTruthData": {"data": ' + deep + '}, "eventMetadata": {"eventId": "c"}}',
                _record("d", "1"),
            ]
        )
        + "\n"
    )
    line = _one_line_error(run_batchops("ground-truth", "add", str(path)))
    assert line.startswith(f"error: {path}, line 3: ")
    assert "groundTruthData.data" in line
    deep_object = '{"a": ' * 100_000 + "1" + "}" * 100_000
    path.write_text(_record("a", "1") + "\n" + deep_object + "\n")
    line = _one_line_error(run_batchops("ground-truth", "add", str(path)))
    assert f"{path}, line 2: " in line and "eventId" in line
    assert ground_truth_sets() == []  # nothing stored


def test_with_positive_a_third_label_value_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "labels.csv"
    path.write_text("id,churn\na,True.\nb,False.\nc,True.\nd,Ture.\n")
    line = _one_line_error(
        run_batchops(
            "ground-truth", "add", str(path), "--id-column", "id", "--label-column", "churn",
            "--positive", "True.",
        )
    )  # fmt: skip
    assert f"{path}, line 5: " in line
    assert "'Ture.'" in line and "'True.'" in line and "'False.'" in line
    assert ground_truth_sets() == []
    path.write_text("id,churn\na,True.\nb,False.\nc,True.\n")
    added = add_ground_truth(path, id_column="id", label_column="churn", positive="True.")
    assert added.rows == 3


def test_bad_rows_are_one_line_naming_the_file_and_line(tmp_path: Path) -> None:
    cases = {
        "id,label\na,1\na,0\n": ("line 3", "'a' appears more than once (first on line 2)"),
        "id,label\na,1\n,0\n": ("line 3", "the inference id (column 'id') is empty"),
        "id,label\na,1\nb,\n": ("line 3", "the label (column 'label') is empty"),
        "id,label\na,1\nb,0,extra\n": ("line 3", "expected 2 fields, found 3"),
        "key,label\na,1\n": ("", "no column 'id' (it has key, label)"),
    }
    for number, (text, (where, what)) in enumerate(cases.items()):
        path = tmp_path / f"labels-{number}.csv"
        path.write_text(text)
        line = _one_line_error(
            run_batchops(
                "ground-truth", "add", str(path), "--id-column", "id", "--label-column", "label"
            )
        )
        assert f"{path}{', ' + where if where else ''}: " in line and what in line, line
    missing = tmp_path / "missing.jsonl"
    missing.write_text(_record("a", "1") + "\n" + '{"groundTruthData": {"data": "1"}}' + "\n")
    line = _one_line_error(run_batchops("ground-truth", "add", str(missing)))
    assert f"{missing}, line 2: " in line and "eventMetadata.eventId" in line
    assert ground_truth_sets() == []


def test_a_job_reads_the_newest_label_of_its_own_predictions_only(tmp_path: Path) -> None:
    _traced(tmp_path / "out", ["a", "b", "c"], probability=[0.9, 0.2, 0.7])
    first = tmp_path / "first.csv"
    first.write_text("id,label\na,0\nb,0\nzz,1\n")  # zz: a prediction of another run
    assert add_ground_truth(first, id_column="id", label_column="label").unmatched == 1
    later = tmp_path / "later.jsonl"
    later.write_text(_record("a", "1") + "\n")
    add_ground_truth(later)

    found = labels_for(pl.Series(["a", "b", "c"]))
    assert dict(zip(found["inference_id"], found["label"], strict=True)) == {"a": "1", "b": "0"}
    joined = traced_predictions(
        [str(tmp_path / "out" / "_batchops_predictions" / "batch.csv.out.parquet")], BINARY
    )
    labels = dict(zip(joined.frame["inference_id"], joined.frame["label"], strict=True))
    assert labels == {"a": 1, "b": 0, "c": None}


def test_labels_are_stored_as_given_and_read_as_each_problem_type_reads_them(
    tmp_path: Path,
) -> None:
    path = tmp_path / "labels.csv"
    path.write_text("id,label\na, 2.0\nb,cat\nc,3.5\n")
    add_ground_truth(path, id_column="id", label_column="label")
    stored = pl.read_parquet(ground_truth_sets()[0].uri)
    assert stored["label"].to_list() == ["2.0", "cat", "3.5"]
    found = labels_for(pl.Series(["a", "b", "c"])).sort("inference_id")
    assert encode_labels(found, MULTICLASS)["label"].to_list() == ["2", "cat", "3.5"]
    with pytest.raises(Exception, match=r"'cat' of inference id 'b' \(from .*labels.csv\) is not"):
        encode_labels(found, REGRESSION)
    numbers = encode_labels(found.filter(pl.col("inference_id") != "b"), REGRESSION)
    assert numbers["label"].to_list() == [2.0, 3.5]
    with pytest.raises(Exception, match="is not 0 or 1: upload it with --positive"):
        encode_labels(found, BINARY)
    # SageMaker's ground-truth records carry a regression's number as text too.
    records = tmp_path / "rings.jsonl"
    records.write_text(_record("c", "12.5") + "\n" + _record("d", "7") + "\n")
    add_ground_truth(records)
    newest = labels_for(pl.Series(["c", "d"])).sort("inference_id")
    assert encode_labels(newest, REGRESSION)["label"].to_list() == [12.5, 7.0]
