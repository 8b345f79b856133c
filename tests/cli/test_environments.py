"""A broken environment is one line on stderr and exit 2, never a traceback, never a password.

Each case sets up one thing a user can get wrong around batchops (a setting, a file where a
folder belongs, a database that will not open, a driver that is not installed) and runs real
commands against it in a subprocess.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from support.cli import run_batchops

PASSWORD = "s3cret-pw"
DB_COMMANDS = [
    ("pipeline", "list"),
    ("registry", "groups"),
    ("execution", "list", "--json"),
    ("demo", "--rows", "50", "--batch-rows", "20"),
]


def _home_is_a_file(tmp: Path) -> dict[str, str]:
    (tmp / "home-file").write_text("not a folder\n")
    return {"BATCHOPS_HOME": str(tmp / "home-file")}


def _url_is_nonsense(tmp: Path) -> dict[str, str]:
    return {"BATCHOPS_DB_URL": "nonsense"}


def _database_is_a_text_file(tmp: Path) -> dict[str, str]:
    (tmp / "x.db").write_text("these are notes, not a database\n" * 200)
    return {"BATCHOPS_DB_URL": f"sqlite:///{tmp / 'x.db'}"}


def _database_folder_missing(tmp: Path) -> dict[str, str]:
    """A typo in the folder: refused, not made (a new empty database there would hide it)."""
    return {"BATCHOPS_DB_URL": f"sqlite:///{tmp / 'typo' / 'ops.db'}"}


def _server_unreachable(tmp: Path) -> dict[str, str]:
    return {"BATCHOPS_DB_URL": f"postgresql+psycopg://user:{PASSWORD}@127.0.0.1:1/db"}


def _driver_not_installed(tmp: Path) -> dict[str, str]:
    """psycopg failing to import, as on a core install, without touching the environment."""
    package = tmp / "shadow" / "psycopg"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("raise ImportError('No module named psycopg')\n")
    inherited = os.environ.get("PYTHONPATH")
    path = os.pathsep.join([str(tmp / "shadow"), *([inherited] if inherited else [])])
    return {
        "PYTHONPATH": path,
        "BATCHOPS_DB_URL": f"postgresql+psycopg://user:{PASSWORD}@127.0.0.1:5/x",
    }


ENVIRONMENTS: dict[str, tuple[Callable[[Path], dict[str, str]], str]] = {
    # name: (set-up, what the one line must mention)
    "home is a file": (_home_is_a_file, "BATCHOPS_HOME"),
    "database URL is nonsense": (_url_is_nonsense, "'nonsense'"),
    "database is a text file": (_database_is_a_text_file, "x.db"),
    "database folder does not exist": (_database_folder_missing, "typo of the database"),
    "database server unreachable": (_server_unreachable, "127.0.0.1:1"),
    "database driver not installed": (_driver_not_installed, "pip install 'batchops[postgres]'"),
}


def _assert_one_line_exit_2(result: subprocess.CompletedProcess[str], mention: str) -> None:
    code, stdout, stderr = result.returncode, result.stdout, result.stderr
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert code == 2, (code, stdout, stderr)
    assert len(lines) == 1, stderr
    assert lines[0].startswith("error: ") and mention in lines[0], lines[0]
    assert "Traceback" not in stdout + stderr
    assert PASSWORD not in stdout + stderr


@pytest.mark.parametrize("command", DB_COMMANDS, ids=lambda c: " ".join(c[:2]))
@pytest.mark.parametrize("environment", sorted(ENVIRONMENTS))
def test_a_broken_environment_is_one_line_and_exit_2(
    environment: str, command: tuple[str, ...], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    set_up, mention = ENVIRONMENTS[environment]
    for name, value in set_up(tmp_path).items():
        monkeypatch.setenv(name, value)
    _assert_one_line_exit_2(run_batchops(*command), mention)
    assert not (tmp_path / "typo").exists()  # nothing written where the URL points wrongly


def test_a_database_url_in_an_existing_folder_is_made_there(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "db").mkdir()
    monkeypatch.setenv("BATCHOPS_DB_URL", f"sqlite:///{tmp_path / 'db' / 'ops.db'}")
    result = run_batchops("pipeline", "list")
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "db" / "ops.db").exists()


@pytest.fixture
def data_and_baseline(tmp_path: Path) -> tuple[Path, Path]:
    data = tmp_path / "data.csv"
    data.write_text("age,plan\n31,basic\n45,pro\n27,basic\n")
    baseline = tmp_path / "baseline"
    result = run_batchops("baseline", str(data), "--out", str(baseline))
    assert result.returncode == 0, result.stderr
    return data, baseline


def test_baseline_out_naming_a_file_is_one_line(
    data_and_baseline: tuple[Path, Path], tmp_path: Path
) -> None:
    data, _ = data_and_baseline
    (tmp_path / "afile").write_text("in the way\n")
    result = run_batchops("baseline", str(data), "--out", str(tmp_path / "afile"))
    _assert_one_line_exit_2(result, "afile is a file")
    assert (tmp_path / "afile").read_text() == "in the way\n"


def test_monitor_out_naming_a_file_is_one_line(
    data_and_baseline: tuple[Path, Path], tmp_path: Path
) -> None:
    data, baseline = data_and_baseline
    (tmp_path / "afile").write_text("in the way\n")
    result = run_batchops(
        "monitor",
        str(data),
        "--statistics",
        str(baseline / "statistics.json"),
        "--constraints",
        str(baseline / "constraints.json"),
        "--out",
        str(tmp_path / "afile" / "deeper"),
    )
    _assert_one_line_exit_2(result, "afile is a file")


def test_baseline_and_monitor_need_no_database(
    data_and_baseline: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Profiling a file works whatever state the metadata database is in."""
    data, baseline = data_and_baseline
    monkeypatch.setenv("BATCHOPS_DB_URL", "nonsense")
    result = run_batchops(
        "monitor",
        str(data),
        "--statistics",
        str(baseline / "statistics.json"),
        "--constraints",
        str(baseline / "constraints.json"),
        "--out",
        str(tmp_path / "check"),
    )
    assert result.returncode == 0, result.stderr


def test_demo_shows_the_database_url_with_its_password_masked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in _server_unreachable(tmp_path).items():
        monkeypatch.setenv(name, value)
    result = run_batchops("demo", "--rows", "50", "--batch-rows", "20")
    assert "database: postgresql+psycopg://user:***@127.0.0.1:1/db" in result.stdout
    _assert_one_line_exit_2(result, "127.0.0.1:1")
