from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import typer
from transform_data import read_predictions
from typer.testing import CliRunner, Result

from batchops.cli.transform import register
from batchops.errors import BatchopsError, InvalidInput, NotFound


def _app() -> typer.Typer:
    app = typer.Typer()
    register(app)

    @app.callback()
    def root() -> None:
        """Test harness."""

    return app


def _argv(model: str | Path, source: str | Path, output: str | Path, *options: str) -> list[str]:
    argv = ["transform", "--model", str(model), "--input", str(source)]
    return [*argv, "--output", str(output), *options]


def _invoke(model: str | Path, source: str | Path, output: str | Path, *options: str) -> Result:
    """The command through a bare Typer app: our errors come back as `result.exception`."""
    return CliRunner().invoke(_app(), _argv(model, source, output, *options))


def test_transform_command_scores_and_reports(dataset, tmp_path):
    result = _invoke(
        dataset.model,
        dataset.root / "with_id.csv",
        tmp_path / "out",
        *("--workers=0", "--input-filter=$[1:]", "--join-source", "--output-filter=$[0,-1]"),
    )
    assert result.exit_code == 0, result.output
    assert "scored 3,000 rows from 1 file in" in result.stdout
    output = tmp_path / "out" / "with_id.csv.out"
    np.testing.assert_array_equal(read_predictions(output), dataset.expected())
    assert output.read_text().splitlines()[0].startswith("c-1000,")


def test_the_summary_counts_worker_processes_in_english(dataset, tmp_path):
    result = _invoke(
        dataset.model,
        dataset.root / "header.csv",
        tmp_path / "out",
        *("--workers=2", "--header"),
    )
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0].endswith(", 2 worker processes")


def test_json_output_is_one_object(dataset, tmp_path):
    result = _invoke(
        dataset.model,
        dataset.root / "header.csv",
        tmp_path / "out",
        *("--workers=1", "--header", "--json"),
    )
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["rows"] == 3000
    assert summary["output_files"] == [str(tmp_path / "out" / "header.csv.out")]


def test_bad_input_and_unknown_models_raise_user_errors(dataset, tmp_path):
    bad = _invoke(
        dataset.model, dataset.root / "header.csv", tmp_path / "out", "--workers=0", "--no-header"
    )
    assert isinstance(bad.exception, InvalidInput)
    assert "line 1: column 1: 'tenure' is not a number" in str(bad.exception)
    assert not Path(tmp_path / "out" / "header.csv.out").exists()

    missing = _invoke(tmp_path / "nope.tar.gz", dataset.root / "plain.csv", tmp_path / "out")
    assert isinstance(missing.exception, NotFound)
    assert "model file not found" in str(missing.exception)

    unknown = _invoke("no-such-group/3", dataset.root / "plain.csv", tmp_path / "out")
    assert isinstance(unknown.exception, BatchopsError)


def _batchops(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """Run the real `batchops` entry point in this process: exit code, stdout, stderr."""
    from batchops.cli.main import run

    with pytest.raises(SystemExit) as done:
        run(argv)
    captured = capsys.readouterr()
    return int(done.value.code or 0), captured.out, captured.err


def test_success_prints_no_progress_when_stderr_is_not_a_terminal(dataset, tmp_path, capsys):
    code, out, err = _batchops(
        _argv(dataset.model, dataset.root / "plain.csv", tmp_path / "out", "--json"), capsys
    )
    assert (code, err) == (0, "")
    assert json.loads(out)["rows"] == 3000


def _bad_inputs(dataset, tmp_path: Path) -> dict[str, tuple[str, str, str]]:
    """name -> (input, output, the message expected on stderr)."""
    lines = (dataset.root / "plain.csv").read_text().splitlines()
    short = tmp_path / "short.csv"
    short.write_text("\n".join([*lines[:10], "1,2,3", *lines[10:20]]) + "\n")
    text = tmp_path / "text.csv"
    text.write_text("\n".join([*lines[:4], "1,two,3,4", *lines[4:8]]) + "\n")
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    plain = str(dataset.root / "plain.csv")
    out = str(tmp_path / "out")
    return {
        "wrong field count": (str(short), out, "short.csv, line 11: expected 4 fields, found 3"),
        "text in a number": (str(text), out, "text.csv, line 5: column 2: 'two' is not a number"),
        "empty file": (str(empty), out, "empty.csv: empty file"),
        "prefix matching nothing": (f"{tmp_path}/nothing-", out, "no input files match the prefix"),
        "unwritable output": (plain, f"{blocker}/out", "cannot write to output folder"),
    }


@pytest.mark.parametrize(
    "case",
    [
        "wrong field count",
        "text in a number",
        "empty file",
        "prefix matching nothing",
        "unwritable output",
    ],
)
def test_each_bad_input_is_one_clear_error_with_exit_code_2(dataset, tmp_path, capsys, case):
    source, output, message = _bad_inputs(dataset, tmp_path)[case]
    code, out, err = _batchops(_argv(dataset.model, source, output), capsys)
    assert code == 2
    assert out == ""
    assert err.startswith("error: ") and err.count("\n") == 1
    assert message in err
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_model_by_registry_group_or_version(dataset, tmp_path, capsys):
    from batchops.registry import approve, register_version

    first = register_version("churn-transform", model_data_uri=str(dataset.model))
    approve("churn-transform", first.version, reason="looks good")
    (tmp_path / "not-approved.tar.gz").write_bytes(dataset.model.read_bytes())
    register_version("churn-transform", model_data_uri=str(tmp_path / "not-approved.tar.gz"))

    def score(model: str, out: str) -> tuple[int, str, str]:
        argv = _argv(model, dataset.root / "plain.csv", tmp_path / out, "--json")
        return _batchops(argv, capsys)

    code, out, _ = score("churn-transform", "latest")
    assert code == 0
    assert json.loads(out)["model"] == first.model_data_uri  # the latest *approved* version
    np.testing.assert_array_equal(
        read_predictions(tmp_path / "latest" / "plain.csv.out"), dataset.expected()
    )
    assert score("churn-transform/1", "pinned")[0] == 0

    code, _, err = score("churn-transform/2", "pending")
    assert code == 2 and "not Approved" in err
    code, _, err = score("churn-transform/9", "missing")
    assert code == 2 and "churn-transform/9 does not exist" in err
    assert not (tmp_path / "pending").exists() and not (tmp_path / "missing").exists()
