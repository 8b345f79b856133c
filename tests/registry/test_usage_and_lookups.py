"""What the registry answers for the page and the runners, from its own tables: which version
an execution used, the versions waiting for approval, and the drift threshold in use."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from batchops import registry
from batchops.errors import NotFound
from batchops.monitor.constraints import DEFAULT_DRIFT_THRESHOLD
from batchops.registry.lookup import approved_drift_threshold
from batchops.registry.usage import model_used, models_used, uses_of_version
from batchops.registry.versions import delete_version, pending_versions, versions_numbered
from support.models import tiny_model_archive


def _register(tmp_path: Path, group: str, drift_threshold: float | None = None) -> None:
    folder = tmp_path / f"{group}-{len(list(tmp_path.iterdir()))}"
    folder.mkdir()
    (folder / "model.tar.gz").write_bytes(tiny_model_archive())
    constraints = None
    if drift_threshold is not None:
        constraints = folder / "constraints.json"
        config = {"distribution_constraints": {"comparison_threshold": drift_threshold}}
        constraints.write_text(json.dumps({"version": 0.0, "monitoring_config": config}))
    registry.register_version(
        group,
        model_data_uri=str(folder / "model.tar.gz"),
        constraints_uri=str(constraints) if constraints else None,
    )


def test_an_execution_used_the_version_it_looked_up_last(database: str, tmp_path: Path) -> None:
    _register(tmp_path, "churn")
    _register(tmp_path, "churn")
    # GetApprovedModel records a shadow first and the approved version last.
    registry.record_usage("run-1", "churn", 2, "ShadowScore")
    registry.record_usage("run-1", "churn", 1, "GetApprovedModel")
    registry.record_usage("run-1", "churn", 1, "GetApprovedModel")  # a retry: one row
    registry.record_usage("run-2", "churn", 2, "GetApprovedModel")

    used = models_used(["run-1", "run-2", "run-3"])
    assert {run: use.ref for run, use in used.items()} == {"run-1": "churn/1", "run-2": "churn/2"}
    assert model_used("run-3") is None
    assert [u.execution_id for u in uses_of_version("churn", 1)] == ["run-1"]
    assert [(u["group"], u["version"]) for u in _used_by("run-1")] == [("churn", 2), ("churn", 1)]
    with pytest.raises(NotFound, match="churn/7 does not exist"):
        registry.record_usage("run-1", "churn", 7)

    delete_version("churn", 2)  # its uses go with it
    used_now = model_used("run-1")
    assert used_now is not None and used_now.ref == "churn/1"
    assert model_used("run-2") is None


def _used_by(execution_id: str) -> list[dict[str, object]]:
    from batchops.registry.usage import uses_by_execution

    return [{"group": u.group, "version": u.version} for u in uses_by_execution(execution_id)]


def test_pending_versions_are_the_newest_few_of_each_group_in_one_list(
    database: str, tmp_path: Path
) -> None:
    for _ in range(3):
        _register(tmp_path, "fraud")
    for _ in range(2):
        _register(tmp_path, "churn")
    registry.approve("fraud", 3)
    waiting = [v.ref for v in pending_versions(per_group=1)]
    assert waiting == ["churn/2", "fraud/2"]
    assert [v.ref for v in pending_versions(per_group=5)] == [
        "churn/2",
        "churn/1",
        "fraud/2",
        "fraud/1",
    ]
    assert [v.version for v in versions_numbered("fraud", [1, 3, 9])] == [3, 1]
    with pytest.raises(NotFound, match="group 'nope' does not exist"):
        versions_numbered("nope", [1])


def test_the_drift_threshold_in_use_is_the_first_approved_groups(
    database: str, tmp_path: Path
) -> None:
    assert approved_drift_threshold() == DEFAULT_DRIFT_THRESHOLD  # nothing approved yet
    _register(tmp_path, "alpha", drift_threshold=0.5)  # pending: not in use
    _register(tmp_path, "bravo", drift_threshold=0.25)
    registry.approve("bravo", 1)
    assert approved_drift_threshold() == 0.25
    _register(tmp_path, "alpha")  # approved, but its constraints set no threshold
    registry.approve("alpha", 2)
    assert approved_drift_threshold() == DEFAULT_DRIFT_THRESHOLD
