"""Listing, deleting and garbage-collecting executions; deleting model versions.

No file a registered model version points at is ever removed.
"""

from __future__ import annotations

import json
from pathlib import Path

from support.cli import run_batchops
from support.models import tiny_model_archive
from support.napper import Napper, steps


def _run_napper(napper: Napper) -> tuple[str, Path]:
    """A finished execution and the file its Nap step published."""
    napper.release()
    result = run_batchops("pipeline", "start", "napper", "--wait", "--json")
    assert result.returncode == 0, result.stderr
    described = json.loads(result.stdout)
    out = Path(steps(described)["Nap"]["outputs"]["out"])
    return described["id"], out / "result.txt"


def _register(model_file: Path) -> None:
    """A version that still names a file inside an execution, as one registered before
    versions had folders of their own does when migration 0004 could not copy its files.
    (A version registered now owns a copy; `_assert_own_copy_intact` checks those.)"""
    from sqlalchemy import update

    from batchops import registry
    from batchops.store.db import session_scope
    from batchops.store.schema.registry import ModelVersionRow

    archive = model_file.parent / "own-model.tar.gz"
    archive.write_bytes(tiny_model_archive())
    registry.register_version("naps", model_data_uri=str(archive))
    archive.unlink()
    with session_scope() as session:
        session.execute(
            update(ModelVersionRow)
            .where(ModelVersionRow.group_name == "naps")
            .values(model_data_uri=str(model_file), files=None)
        )
    registry.register_version("copies", model_data_uri=_tiny_model(model_file.parent))


def _tiny_model(folder: Path) -> str:
    path = folder / "copied-model.tar.gz"
    path.write_bytes(tiny_model_archive(1))
    return str(path)


def _assert_own_copy_intact() -> None:
    verified = run_batchops("registry", "verify", "copies")
    assert verified.returncode == 0, verified.stdout + verified.stderr


def test_list_filters_by_status_and_pipeline_and_prints_ids_with_q(napper: Napper) -> None:
    first, _ = _run_napper(napper)
    second, _ = _run_napper(napper)

    quiet = run_batchops("execution", "list", "-q")
    assert quiet.stdout.split() == [second, first]  # newest first, ids only
    assert run_batchops("execution", "list", "-q", "--status", "failed").stdout == ""
    by_status = run_batchops("execution", "list", "-q", "--status", "Succeeded")
    assert by_status.stdout.split() == [second, first]
    assert run_batchops("execution", "list", "-q", "--pipeline", "other").stdout == ""

    listed = json.loads(run_batchops("execution", "list", "--json").stdout)
    assert listed[0]["ended_at"] and listed[0]["duration_seconds"] >= 0
    table = run_batchops("execution", "list").stdout.splitlines()
    assert table[0].split() == ["ID", "PIPELINE", "STATUS", "STARTED", "ENDED", "DURATION"]
    assert table[1].startswith(second) and "Succeeded" in table[1]

    bad = run_batchops("execution", "list", "--status", "Sleeping")
    assert bad.returncode == 2
    assert "unknown execution status 'Sleeping'" in bad.stderr


def test_delete_removes_an_execution_but_keeps_a_registered_versions_file(
    napper: Napper,
) -> None:
    kept_id, model_file = _run_napper(napper)
    gone_id, gone_file = _run_napper(napper)
    _register(model_file)

    deleted = run_batchops("execution", "delete", gone_id)
    assert deleted.returncode == 0, deleted.stderr
    assert deleted.stderr == ""  # no SQLAlchemy warning about the step runs it deleted
    assert not gone_file.exists()
    assert run_batchops("execution", "describe", gone_id).returncode == 2
    assert run_batchops("execution", "list", "-q").stdout.split() == [kept_id]

    again = run_batchops("execution", "delete", kept_id)
    assert again.returncode == 0, again.stderr
    assert "kept 1 file a model version uses" in again.stdout
    assert model_file.read_text() == "rested\n"
    _assert_own_copy_intact()


def test_delete_of_a_running_execution_is_refused(napper: Napper) -> None:
    execution_id = napper.start_in_background()
    napper.wait_for_nap()
    refused = run_batchops("execution", "delete", execution_id)
    assert refused.returncode == 2
    assert f"execution {execution_id} is Executing; stop it first" in refused.stderr
    assert run_batchops("execution", "stop", execution_id, "--wait").returncode == 0


def test_gc_shows_then_removes_old_files_but_never_a_registered_versions(
    napper: Napper,
) -> None:
    _, model_file = _run_napper(napper)
    _, other_file = _run_napper(napper)
    _register(model_file)

    nothing = run_batchops("gc", "--older-than", "30d")
    assert nothing.returncode == 0, nothing.stderr
    assert nothing.stdout.strip().startswith("would remove 0 bytes from 0 executions")

    dry = run_batchops("gc", "--older-than", "0s", "--json")
    assert dry.returncode == 0, dry.stderr
    planned = json.loads(dry.stdout)
    assert planned["deleted"] is False and planned["bytes"] > 0
    assert len(planned["executions"]) == 2
    assert other_file.exists() and model_file.exists()  # a dry run removes nothing

    applied = run_batchops("gc", "--older-than", "0s", "--yes")
    assert applied.returncode == 0, applied.stderr
    assert "keeps 1 file a model version uses" in applied.stdout
    assert not other_file.exists()
    assert model_file.read_text() == "rested\n"
    _assert_own_copy_intact()
    assert len(json.loads(run_batchops("execution", "list", "--json").stdout)) == 2

    bad = run_batchops("gc", "--older-than", "a month")
    assert bad.returncode == 2
    assert "expected a number and a unit" in bad.stderr


def test_delete_version_refuses_an_approved_one_unless_forced_so_a_group_can_go(
    tmp_path: Path,
) -> None:
    from batchops import registry

    model = Path(_tiny_model(tmp_path))
    registry.register_version("naps", model_data_uri=str(model))
    registry.register_version("naps", model_data_uri=str(model))
    registry.approve("naps", 1)

    refused = run_batchops("registry", "delete-version", "naps/1")
    assert refused.returncode == 2
    assert "naps/1 is Approved; reject it first or use --force" in refused.stderr
    folder = Path(registry.get_version("naps", 2).model_data_uri).parent
    pending = run_batchops("registry", "delete-version", "naps/2")
    assert pending.returncode == 0, pending.stderr
    assert not folder.exists()  # a deleted version's own files go with it
    assert model.exists()  # the file it was registered from is the user's
    assert pending.stdout.strip() == "deleted naps/2 (PendingManualApproval)"
    assert run_batchops("registry", "delete-group", "naps").returncode == 2  # not empty yet

    forced = run_batchops("registry", "delete-version", "naps/1", "--force")
    assert forced.returncode == 0, forced.stderr
    assert run_batchops("registry", "delete-group", "naps").returncode == 0
    assert "ModelVersionDeleted" in {e.type for e in registry.read_events()}
