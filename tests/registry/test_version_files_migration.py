"""Upgrading a registry whose versions point into execution folders (migration 0004)."""

from __future__ import annotations

import hashlib
import shutil
from datetime import UTC, datetime
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, text

from batchops import registry
from batchops.settings import get_settings
from batchops.store import artifacts
from batchops.store.db import MIGRATIONS_DIR, dispose_engines
from support.cli import run_batchops


def _home_at_0003(versions: list[dict[str, str | None]]) -> None:
    url = get_settings().db_url
    Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url)
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0003_events")
        now = datetime.now(UTC).replace(tzinfo=None)
        connection.execute(
            text(
                "INSERT INTO model_groups (name, description, latest_version, created_by,"
                " created_at) VALUES ('churn', '', :n, 'old', :now)"
            ),
            {"n": len(versions), "now": now},
        )
        for number, uris in enumerate(versions, start=1):
            connection.execute(
                text(
                    "INSERT INTO model_versions (group_name, version, status, description,"
                    " model_data_uri, inference_spec, metrics, metrics_uri, statistics_uri,"
                    " constraints_uri, custom_metadata, created_by, created_at) VALUES ('churn',"
                    " :v, 'Approved', '', :model, '{}', '{}', NULL, :statistics, :constraints,"
                    " '{}', 'old', :now)"
                ),
                {"v": number, "now": now, **uris},
            )
    engine.dispose()
    dispose_engines()


def test_existing_versions_move_into_their_own_folders_and_missing_files_are_reported(
    tmp_path: Path,
) -> None:
    execution = Path(artifacts.execution_output_uri("train", "exec-1"))
    (execution / "model").mkdir(parents=True)
    model = execution / "model" / "model.tar.gz"
    model.write_bytes(b"an old model")
    statistics = execution / "baseline" / "statistics.json"
    statistics.parent.mkdir()
    statistics.write_text('{"version": 0.0, "features": []}')
    gone = str(tmp_path / "elsewhere" / "constraints.json")
    _home_at_0003(
        [
            {"model": str(model), "statistics": str(statistics), "constraints": gone},
            {"model": str(tmp_path / "lost.tar.gz"), "statistics": None, "constraints": None},
        ]
    )

    first = registry.get_version("churn", 1)  # migrates
    own = Path(artifacts.registry_version_uri("churn", 1))
    assert first.model_data_uri == str(own / "model.tar.gz")
    assert first.statistics_uri == str(own / "statistics.json")
    assert first.constraints_uri == gone  # kept: nothing to copy
    assert first.files["model.tar.gz"] == {
        "sha256": hashlib.sha256(b"an old model").hexdigest(),
        "bytes": 12,
        "source_uri": str(model),
    }
    assert first.files["constraints.json"]["missing"] is True
    assert not Path(artifacts.registry_version_uri("churn", 2)).exists()

    shutil.rmtree(execution)
    result = run_batchops("registry", "verify", "churn")
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert lines[0].startswith("churn/1 constraints.json: missing since the registry was upgraded")
    assert "model.tar.gz" not in lines[0]
    assert lines[1].startswith("churn/2 model.tar.gz: missing since the registry was upgraded")
