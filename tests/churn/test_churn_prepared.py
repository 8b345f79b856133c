"""`batchops data churn --prepared`: generated rows in the layout the churn model reads."""

from __future__ import annotations

from pathlib import Path

from batchops.examples.churn.data import write_churn_csv
from batchops.examples.churn.encoding import build_vocabulary, read_raw
from batchops.examples.churn.prepared import generator_vocabulary
from support.cli import run_batchops


def test_the_columns_are_those_of_a_model_trained_on_the_default_data(tmp_path: Path) -> None:
    raw = write_churn_csv(tmp_path / "churn.csv", 5000, seed=0)
    assert generator_vocabulary() == build_vocabulary(read_raw(raw))

    out = tmp_path / "batch.csv"
    result = run_batchops("data", "churn", "--rows", "50", "--out", str(out), "--prepared")
    assert result.returncode == 0, result.stderr
    lines = out.read_text().splitlines()
    assert len(lines) == 50  # no header
    width = 1 + len(generator_vocabulary().feature_names)  # the label, then the features
    assert {len(line.split(",")) for line in lines} == {width}
    assert {line.split(",")[0] for line in lines} <= {"0", "1"}


def test_a_drift_the_layout_cannot_hold_is_refused(tmp_path: Path) -> None:
    out = tmp_path / "batch.csv"
    result = run_batchops(
        "data", "churn", "--out", str(out), "--prepared", "--drift", "drop-column"
    )
    assert result.returncode == 2
    assert "drift 'drop-column' cannot be written --prepared" in result.stderr
    assert not out.exists()
