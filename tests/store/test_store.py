"""The stores: migrations from empty match the declared tables; writes are all-or-nothing."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from batchops.store import artifacts
from batchops.store.db import get_engine
from batchops.store.schema import Base, all_tables


def test_migrations_from_empty_create_exactly_the_declared_schema(database: str) -> None:
    engine = get_engine()
    all_tables()
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    # type and server-default nuances aside, no table, column or index may be missing or extra
    structural = [
        d
        for d in differences
        if d[0]
        in ("add_table", "remove_table", "add_column", "remove_column", "add_index", "remove_index")
    ]
    assert structural == []
    tables = set(inspect(engine).get_table_names())
    assert {
        "pipelines",
        "pipeline_versions",
        "executions",
        "step_runs",
        "monitoring_metrics",
        "model_groups",
        "model_versions",
        "model_approvals",
        "events",
        "event_consumers",
        "model_usages",
    } <= tables
    assert engine.url.render_as_string(hide_password=False) == database


def test_sqlite_runs_in_wal_mode(batchops_home: Path) -> None:
    with get_engine().connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"


def test_a_failed_write_leaves_the_earlier_file_intact_and_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "out" / "statistics.json"
    artifacts.write_text(target, "first")
    with pytest.raises(RuntimeError), artifacts.atomic_open(target, "wb") as handle:
        handle.write(b"half of the second")
        raise RuntimeError("crash mid-write")
    assert target.read_text() == "first"
    assert os.listdir(target.parent) == ["statistics.json"]


def test_publishing_a_directory_replaces_it_as_a_whole(tmp_path: Path) -> None:
    first, second = tmp_path / "a", tmp_path / "b"
    first.mkdir()
    second.mkdir()
    (first / "old.csv").write_text("1")
    (second / "new.csv").write_text("2")
    target = str(tmp_path / "published")
    artifacts.publish_directory(first, target)
    artifacts.publish_directory(second, target)
    assert sorted(os.listdir(target)) == ["new.csv"]
    assert [p for p in os.listdir(tmp_path) if p.startswith(".")] == []


def test_fsspec_urls_work_for_writes_and_reads() -> None:
    uri = "memory://batchops-test/dir/file.txt"
    artifacts.write_text(uri, "hello")
    assert artifacts.read_text(uri) == "hello"
    assert artifacts.exists(uri)


def test_the_fast_path_revision_is_alembics_head() -> None:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from batchops.store.db import HEAD_REVISION, MIGRATIONS_DIR

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    assert ScriptDirectory.from_config(config).get_current_head() == HEAD_REVISION
