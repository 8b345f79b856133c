"""Listing, deleting and garbage-collecting executions; deleting model versions.

No file a registered model version points at is ever removed.
"""

from __future__ import annotations

import json
from pathlib import Path

from support.cli import run_batchops
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
    from batchops import registry

    registry.register_version("naps", model_data_uri=str(model_file))


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
    assert table[0].startswith(second) and "Succeeded" in table[0]

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
    assert not gone_file.exists()
    assert run_batchops("execution", "describe", gone_id).returncode == 2
    assert run_batchops("execution", "list", "-q").stdout.split() == [kept_id]

    again = run_batchops("execution", "delete", kept_id)
    assert again.returncode == 0, again.stderr
    assert "kept 1 file a model version uses" in again.stdout
    assert model_file.read_text() == "rested\n"


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
    assert len(json.loads(run_batchops("execution", "list", "--json").stdout)) == 2

    bad = run_batchops("gc", "--older-than", "a month")
    assert bad.returncode == 2
    assert "expected a number and a unit" in bad.stderr


def test_delete_version_refuses_an_approved_one_unless_forced_so_a_group_can_go() -> None:
    from batchops import registry

    registry.register_version("naps", model_data_uri="/nowhere/model.tar.gz")
    registry.register_version("naps", model_data_uri="/nowhere/model.tar.gz")
    registry.approve("naps", 1)

    refused = run_batchops("registry", "delete-version", "naps/1")
    assert refused.returncode == 2
    assert "naps/1 is Approved; reject it first or use --force" in refused.stderr
    pending = run_batchops("registry", "delete-version", "naps/2")
    assert pending.returncode == 0, pending.stderr
    assert pending.stdout.strip() == "deleted naps/2 (PendingManualApproval)"
    assert run_batchops("registry", "delete-group", "naps").returncode == 2  # not empty yet

    forced = run_batchops("registry", "delete-version", "naps/1", "--force")
    assert forced.returncode == 0, forced.stderr
    assert run_batchops("registry", "delete-group", "naps").returncode == 0
    assert "ModelVersionDeleted" in {e.type for e in registry.read_events()}
