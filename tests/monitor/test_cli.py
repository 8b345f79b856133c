"""`batchops baseline` and `batchops monitor`, run through a throwaway Typer app."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import typer
from typer.testing import CliRunner

from batchops.cli import baseline as baseline_cli
from batchops.cli import monitor as monitor_cli
from batchops.errors import JobFailed

from .conftest import write_csv


@pytest.fixture
def app() -> typer.Typer:
    app = typer.Typer()
    baseline_cli.register(app)
    monitor_cli.register(app)
    return app


def _data(seed: int, shift: float = 0.0) -> dict[str, object]:
    rng = np.random.default_rng(seed)
    return {"x": rng.normal(shift, 1, 2000), "c": rng.choice(["a", "b"], 2000)}


def _monitor(data: Path, base: Path, out: Path, *options: str) -> list[str]:
    """`batchops monitor` arguments: `data` against the baseline written into `base`."""
    return [
        "monitor", str(data),
        "--statistics", str(base / "statistics.json"),
        "--constraints", str(base / "constraints.json"),
        "--out", str(out),
        *options,
    ]  # fmt: skip


def test_baseline_then_monitor(app: typer.Typer, tmp_path: Path) -> None:
    runner = CliRunner()
    train = write_csv(tmp_path / "train.csv", _data(1))
    made = runner.invoke(app, ["baseline", str(train), "--out", str(tmp_path / "base")])
    assert made.exit_code == 0, made.output
    assert "baselined 2,000 rows, 2 features (1 Fractional, 1 String)" in made.output
    batch = write_csv(tmp_path / "batch.csv", _data(2))
    checked = runner.invoke(
        app,
        _monitor(batch, tmp_path / "base", tmp_path / "out", "--fail-on-violation"),
    )
    assert checked.exit_code == 0, checked.output
    assert "no violations in 2,000 rows" in checked.output
    assert (tmp_path / "out" / "report.html").is_file()


def test_monitor_fails_on_violation_after_writing_outputs(app: typer.Typer, tmp_path: Path) -> None:
    runner = CliRunner()
    train = write_csv(tmp_path / "train.csv", _data(1))
    runner.invoke(app, ["baseline", str(train), "--out", str(tmp_path / "base")])
    drifted = write_csv(tmp_path / "drifted.csv", _data(2, shift=3.0))
    arguments = _monitor(drifted, tmp_path / "base", tmp_path / "out")
    reported = runner.invoke(app, arguments)
    assert reported.exit_code == 0  # found, but not asked to fail
    assert "baseline_drift_check" in reported.output
    failed = runner.invoke(app, [*arguments, "--fail-on-violation"])
    assert isinstance(failed.exception, JobFailed)  # the main wrapper turns it into exit 1
    assert "1 violation(s) in 2,000 rows (1 baseline_drift_check)" in str(failed.exception)
    violations = json.loads((tmp_path / "out" / "constraint_violations.json").read_text())
    assert violations["violations"][0]["feature_name"] == "x"


def test_json_output_is_one_json_value(app: typer.Typer, tmp_path: Path) -> None:
    runner = CliRunner()
    train = write_csv(tmp_path / "train.csv", _data(1), header=False)
    made = runner.invoke(
        app, ["baseline", str(train), "--out", str(tmp_path / "base"), "--no-header", "--json"]
    )
    document = json.loads(made.stdout)
    assert document["rows"] == 2000
    assert [f["name"] for f in document["features"]] == ["_c0", "_c1"]
    batch = write_csv(tmp_path / "batch.csv", {**_data(2), "extra": np.ones(2000)}, header=False)
    checked = runner.invoke(
        app,
        [
            "monitor", str(batch),
            "--statistics", document["statistics_uri"],
            "--constraints", document["constraints_uri"],
            "--out", str(tmp_path / "out"),
            "--json",
        ],
    )  # fmt: skip
    result = json.loads(checked.stdout)
    assert result["rows"] == 2000
    assert [v["constraint_check_type"] for v in result["violations"]] == ["extra_column_check"]
    ignored = runner.invoke(
        app,
        [
            "monitor", str(batch),
            "--statistics", document["statistics_uri"],
            "--constraints", document["constraints_uri"],
            "--out", str(tmp_path / "out2"),
            "--ignore-column", "_c2",
            "--json",
        ],
    )  # fmt: skip
    assert json.loads(ignored.stdout)["violations"] == []


def test_a_single_row_is_counted_in_the_singular(app: typer.Typer, tmp_path: Path) -> None:
    runner = CliRunner()
    train = write_csv(tmp_path / "train.csv", _data(1))
    runner.invoke(app, ["baseline", str(train), "--out", str(tmp_path / "base")])
    one = write_csv(tmp_path / "one.csv", {"x": [0.1], "c": ["a"]})
    made = runner.invoke(app, ["baseline", str(one), "--out", str(tmp_path / "one-base")])
    assert "baselined 1 row, 2 features" in made.output
    checked = runner.invoke(app, _monitor(one, tmp_path / "base", tmp_path / "out"))
    assert checked.exit_code == 0, checked.output
    assert "no violations in 1 row\n" in checked.output
