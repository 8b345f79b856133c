from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import typer
from transform_data import read_predictions
from typer.testing import CliRunner

from batchops.cli.transform import register
from batchops.errors import BatchopsError, InvalidInput


def _app() -> typer.Typer:
    app = typer.Typer()
    register(app)

    @app.callback()
    def root() -> None:
        """Test harness."""

    return app


def test_transform_command_scores_and_reports(dataset, tmp_path):
    result = CliRunner().invoke(
        _app(),
        [
            "transform",
            "--model",
            str(dataset.model),
            "--input",
            str(dataset.root / "with_id.csv"),
            "--output",
            str(tmp_path / "out"),
            "--workers",
            "0",
            "--input-filter",
            "$[1:]",
            "--join-source",
            "--output-filter",
            "$[0,-1]",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "scored 3,000 rows from 1 file(s)" in result.stdout
    output = tmp_path / "out" / "with_id.csv.out"
    np.testing.assert_array_equal(read_predictions(output), dataset.expected())
    assert output.read_text().splitlines()[0].startswith("c-1000,")


def test_json_output_is_one_object(dataset, tmp_path):
    result = CliRunner().invoke(
        _app(),
        [
            "transform",
            "--model",
            str(dataset.model),
            "--input",
            str(dataset.root / "header.csv"),
            "--output",
            str(tmp_path / "out"),
            "--workers",
            "1",
            "--header",
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["rows"] == 3000
    assert summary["output_files"] == [str(tmp_path / "out" / "header.csv.out")]


def test_bad_input_and_unknown_models_raise_user_errors(dataset, tmp_path):
    bad = CliRunner().invoke(
        _app(),
        [
            "transform",
            "--model",
            str(dataset.model),
            "--input",
            str(dataset.root / "header.csv"),
            "--output",
            str(tmp_path / "out"),
            "--workers",
            "0",
            "--no-header",
        ],
    )
    assert isinstance(bad.exception, InvalidInput)
    assert "line 1: column 1: 'tenure' is not a number" in str(bad.exception)
    assert not Path(tmp_path / "out" / "header.csv.out").exists()

    missing = CliRunner().invoke(
        _app(),
        [
            "transform",
            "--model",
            str(tmp_path / "nope.tar.gz"),
            "--input",
            str(dataset.root / "plain.csv"),
            "--output",
            str(tmp_path / "out"),
        ],
    )
    assert isinstance(missing.exception, InvalidInput)
    assert "model file not found" in str(missing.exception)

    unknown = CliRunner().invoke(
        _app(),
        [
            "transform",
            "--model",
            "no-such-group/3",
            "--input",
            str(dataset.root / "plain.csv"),
            "--output",
            str(tmp_path / "out"),
        ],
    )
    assert isinstance(unknown.exception, BatchopsError)
