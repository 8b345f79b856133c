"""`batchops data churn`, through its Typer sub-app as the main command mounts it."""

from __future__ import annotations

from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from batchops.cli import data
from batchops.errors import InvalidInput
from batchops.examples.churn import write_churn_csv


def _app() -> typer.Typer:
    app = typer.Typer()
    app.add_typer(data.app, name="data")
    return app


def test_writes_the_same_file_as_the_python_api(tmp_path: Path) -> None:
    out = tmp_path / "cli.csv"
    result = CliRunner().invoke(
        _app(),
        ["data", "churn", "--rows", "250", "--out", str(out), "--seed", "4", "--drift", "shift"],
    )
    assert result.exit_code == 0, result.output
    assert "250 rows" in result.output and str(out) in result.output.replace("\n", "")
    expected = write_churn_csv(tmp_path / "api.csv", 250, seed=4, drift="shift")
    assert out.read_bytes() == expected.read_bytes()


def test_defaults_to_5000_rows(tmp_path: Path) -> None:
    out = tmp_path / "default.csv"
    assert CliRunner().invoke(_app(), ["data", "churn", "--out", str(out)]).exit_code == 0
    assert len(out.read_text().splitlines()) == 5001


def test_help_lists_the_drift_kinds() -> None:
    result = CliRunner().invoke(_app(), ["data", "churn", "--help"], terminal_width=200)
    assert result.exit_code == 0
    for kind in (
        "shift",
        "new-category",
        "missing",
        "drop-column",
        "extra-column",
        "text-in-numeric",
    ):
        assert kind in result.output


@pytest.mark.parametrize(
    "args", [["--drift", "sideways"], ["--rows", "0"], ["--rows", "20000000"], ["--seed", "-3"]]
)
def test_bad_arguments_raise_input_errors(tmp_path: Path, args: list[str]) -> None:
    out = tmp_path / "x.csv"
    result = CliRunner().invoke(_app(), ["data", "churn", "--out", str(out), *args])
    assert isinstance(result.exception, InvalidInput)  # the main command maps it to exit 2
    assert not out.exists()
