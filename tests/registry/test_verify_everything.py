"""`batchops registry verify` with no argument checks every version of every group: the check
after restoring a database and a bucket from their backups (docs/deployment.md)."""

from __future__ import annotations

import json
from pathlib import Path

from batchops import registry
from support.cli import run_batchops
from support.models import tiny_model_archive


def _register(group: str, folder: Path, seed: int) -> registry.ModelVersion:
    folder.mkdir(parents=True)
    model = folder / "model.tar.gz"
    model.write_bytes(tiny_model_archive(seed))
    return registry.register_version(group, model_data_uri=str(model))


def test_every_version_of_every_group_is_checked(tmp_path: Path) -> None:
    _register("churn", tmp_path / "a", 0)
    _register("churn", tmp_path / "b", 1)
    changed = _register("upsell", tmp_path / "c", 2)

    clean = run_batchops("registry", "verify")
    assert clean.returncode == 0, clean.stderr
    assert clean.stdout.splitlines() == ["churn/1 ok", "churn/2 ok", "upsell/1 ok"]

    Path(changed.model_data_uri).write_bytes(tiny_model_archive(3))  # a backup out of step
    found = run_batchops("registry", "verify", "--json")
    assert found.returncode == 1
    problems = {entry["version"]: entry["problems"] for entry in json.loads(found.stdout)}
    assert problems["churn/1"] == problems["churn/2"] == []
    assert problems["upsell/1"] and "model.tar.gz" in problems["upsell/1"][0]


def test_no_versions_at_all_is_nothing_to_check() -> None:
    done = run_batchops("registry", "verify")
    assert done.returncode == 0 and done.stdout == ""
