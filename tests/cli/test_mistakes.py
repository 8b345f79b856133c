"""Mistakes a newcomer makes in the first hour, each explained in one line by the real command.

Where the input cannot be used (a swapped baseline, a database folder that is not there) the
command exits 2 and writes nothing; where Model Monitor's own violations stand (a header read
as data, a batch of another width), a hint on stderr names the cause beside them.
"""

from __future__ import annotations

import json
import subprocess
from collections import Counter
from pathlib import Path

import pytest

from batchops.examples.churn.data import write_churn_csv
from batchops.examples.churn.prepared import write_prepared_csv
from support.cli import run_batchops


def _stderr_lines(result: subprocess.CompletedProcess[str]) -> list[str]:
    return [line for line in result.stderr.splitlines() if line.strip()]


def _violations(folder: Path) -> Counter[str]:
    found = json.loads((folder / "constraint_violations.json").read_text())["violations"]
    return Counter(v["constraint_check_type"] for v in found)


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A raw extract (a header, 21 columns), prepared rows (headerless, 100 columns), and a
    baseline of the prepared rows."""
    folder = tmp_path_factory.mktemp("mistakes")
    made = {
        "raw": write_churn_csv(folder / "raw.csv", 300, seed=1),
        "prepared": write_prepared_csv(folder / "prepared.csv", 300, seed=0),
        "batch": write_prepared_csv(folder / "batch.csv", 200, seed=1),
    }
    baseline = run_batchops("baseline", str(made["prepared"]), "--out", str(folder / "base"))
    assert baseline.returncode == 0, baseline.stderr
    made["statistics"] = folder / "base" / "statistics.json"
    made["constraints"] = folder / "base" / "constraints.json"
    return made


def test_baseline_no_header_on_a_header_warns_once(files: dict[str, Path], tmp_path: Path) -> None:
    result = run_batchops("baseline", str(files["raw"]), "--out", str(tmp_path), "--no-header")
    assert result.returncode == 0, result.stderr
    (warning,) = _stderr_lines(result)
    assert warning.startswith("warning: ") and "looks like a header" in warning
    assert "State, Account Length" in warning
    statistics = json.loads((tmp_path / "statistics.json").read_text())
    assert {f["inferred_type"] for f in statistics["features"]} == {"String"}

    guessed = run_batchops("baseline", str(files["raw"]), "--out", str(tmp_path / "guessed"))
    assert guessed.returncode == 0 and _stderr_lines(guessed) == []


def test_monitor_of_a_file_with_a_header_says_so_once_beside_the_type_checks(
    files: dict[str, Path], tmp_path: Path
) -> None:
    rows = files["batch"].read_text()
    width = len(rows.splitlines()[0].split(","))
    with_header = tmp_path / "with-header.csv"
    with_header.write_text(",".join(f"feature{i}" for i in range(width)) + "\n" + rows)
    result = run_batchops(
        "monitor",
        str(with_header),
        *("--statistics", str(files["statistics"]), "--constraints", str(files["constraints"])),
        *("--out", str(tmp_path / "out")),
    )
    assert result.returncode == 0, result.stderr
    (hint,) = _stderr_lines(result)
    assert hint.startswith("hint: ") and "looks like a header (feature0, feature1" in hint
    assert "--header" in hint
    assert _violations(tmp_path / "out")["data_type_check"] >= 1  # Model Monitor's stand


def test_a_batch_of_another_width_gets_one_plain_hint(
    files: dict[str, Path], tmp_path: Path
) -> None:
    raw_baseline = run_batchops("baseline", str(files["raw"]), "--out", str(tmp_path / "raw"))
    assert raw_baseline.returncode == 0, raw_baseline.stderr
    result = run_batchops(
        "monitor",
        str(files["batch"]),
        *("--statistics", str(tmp_path / "raw" / "statistics.json")),
        *("--constraints", str(tmp_path / "raw" / "constraints.json")),
        *("--out", str(tmp_path / "out"), "--json"),
    )
    assert result.returncode == 0, result.stderr
    assert _stderr_lines(result) == ["hint: the baseline has 21 columns, the batch has 100"]
    assert json.loads(result.stdout)["hints"] == ["the baseline has 21 columns, the batch has 100"]
    found = _violations(tmp_path / "out")
    assert found["missing_column_check"] == 1 and found["extra_column_check"] == 1


def test_a_batch_of_the_baseline_s_width_gets_no_hint(
    files: dict[str, Path], tmp_path: Path
) -> None:
    result = run_batchops(
        "monitor",
        str(files["batch"]),
        *("--statistics", str(files["statistics"]), "--constraints", str(files["constraints"])),
        *("--out", str(tmp_path / "out")),
    )
    assert result.returncode == 0, result.stderr
    assert _stderr_lines(result) == []


def test_swapped_statistics_and_constraints_are_named_and_nothing_is_written(
    files: dict[str, Path], tmp_path: Path
) -> None:
    out = tmp_path / "out"
    result = run_batchops(
        "monitor",
        str(files["batch"]),
        *("--statistics", str(files["constraints"]), "--constraints", str(files["statistics"])),
        *("--out", str(out)),
    )
    assert result.returncode == 2
    (line,) = _stderr_lines(result)
    assert line.startswith("error: statistics and constraints are swapped")
    assert str(files["constraints"]) in line and "Traceback" not in result.stderr
    assert not out.exists()

    both_statistics = run_batchops(
        "monitor",
        str(files["batch"]),
        *("--statistics", str(files["statistics"]), "--constraints", str(files["statistics"])),
        *("--out", str(out)),
    )
    assert both_statistics.returncode == 2
    assert _stderr_lines(both_statistics) == [
        f"error: {files['statistics']} is a statistics file, not constraints"
    ]
    assert not out.exists()


def test_rule_create_warns_when_its_secret_variable_is_not_set(
    batchops_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("HOOK_SECRET_FOR_TEST", raising=False)
    webhook = ("--webhook", "http://127.0.0.1:9/hooks", "--secret-env", "HOOK_SECRET_FOR_TEST")
    unset = run_batchops("rule", "create", "tell", "--on", "ExecutionStatusChanged", *webhook)
    assert unset.returncode == 0, unset.stderr
    (warning,) = _stderr_lines(unset)
    assert warning.startswith("warning: the environment variable HOOK_SECRET_FOR_TEST is not set")
    assert "rule tell: on ExecutionStatusChanged -> webhook http://127.0.0.1:9/hooks" in (
        unset.stdout
    )

    monkeypatch.setenv("HOOK_SECRET_FOR_TEST", "s3cret")
    made = run_batchops("rule", "create", "tell-2", "--on", "ExecutionStatusChanged", *webhook)
    assert made.returncode == 0 and _stderr_lines(made) == []


def test_rule_create_names_the_pipeline_it_starts(batchops_home: Path) -> None:
    made = run_batchops(
        "rule", "create", "score", "--on", "ModelVersionStatusChanged",
        "--filter", "status=Approved", "--start", "batch-inference",
        "-p", "ModelPackageGroup={group}",
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    assert made.stdout.strip() == (
        "rule score: on ModelVersionStatusChanged -> start batch-inference "
        "-p ModelPackageGroup={group}"
    )
