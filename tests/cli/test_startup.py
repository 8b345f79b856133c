"""What a command loads and leaves behind: each command built on demand, the database closed.

Speed itself is measured by benchmarks/startup.py, never asserted here.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from contextlib import closing
from pathlib import Path

import pytest
import typer

from batchops.cli.lazy import LazyGroup
from batchops.cli.main import COMMANDS, app
from support.cli import run_batchops

# What no listing and no --help needs: the data, model and server libraries.
DATA_AND_SERVER = ("numpy", "pyarrow", "polars", "pandas", "xgboost", "fastapi", "alembic")


def test_help_lists_every_command_as_the_command_itself_describes_it() -> None:
    group = typer.main.get_command(app)
    assert isinstance(group, LazyGroup)
    assert group.list_commands(None) == list(COMMANDS)
    for name in COMMANDS:
        listed = group.on_demand.summary(name)
        built = group.on_demand[name]
        assert listed is not None, name
        for field in ("name", "help", "short_help", "hidden", "deprecated", "rich_help_panel"):
            assert getattr(listed, field) == getattr(built, field), (name, field)


def _loaded_by(*argv: str) -> set[str]:
    """The modules loaded by the time `batchops ARGV` exits (run in a fresh interpreter)."""
    script = (
        "import atexit, json, sys\n"
        "atexit.register(lambda: sys.stderr.write(json.dumps(sorted(sys.modules))))\n"
        "from batchops.cli.main import run\n"
        f"run({list(argv)!r})\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return set(json.loads(done.stderr.splitlines()[-1]))


def test_help_loads_no_database_data_or_server_library() -> None:
    loaded = _loaded_by("--help")
    assert {*DATA_AND_SERVER, "sqlalchemy", "pydantic"} & loaded == set()


@pytest.mark.parametrize(
    "argv", [("execution", "list"), ("registry", "groups"), ("pipeline", "list")]
)
def test_a_listing_builds_only_its_own_group_and_loads_no_data_library(
    argv: tuple[str, ...],
) -> None:
    assert run_batchops("registry", "groups").returncode == 0  # an existing home: migrated
    loaded = _loaded_by(*argv)
    assert set(DATA_AND_SERVER) & loaded == set()
    others = {f"batchops.cli.{module}" for module in ("transform", "monitor", "server", "demo")}
    assert others & loaded == set()


def test_the_database_file_holds_every_commit_once_a_command_exits(batchops_home: Path) -> None:
    """Its connections are closed at exit, so SQLite folds its write-ahead log into the file:
    a copy of batchops.db alone, taken as soon as the command returns, has the change."""
    assert run_batchops("registry", "create-group", "churn").returncode == 0
    assert not (batchops_home / "batchops.db-wal").exists()
    copy = batchops_home.parent / "copy.db"
    copy.write_bytes((batchops_home / "batchops.db").read_bytes())
    with closing(sqlite3.connect(copy)) as connection:
        assert connection.execute("SELECT name FROM model_groups").fetchall() == [("churn",)]
