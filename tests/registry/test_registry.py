"""The registry's workflow, on SQLite and on a real PostgreSQL server."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from batchops import registry
from batchops.errors import Conflict, InvalidInput, NotFound
from batchops.store.db import dispose_engines
from support.models import tiny_model_archive


def _model_file(folder: Path, content: bytes | None = None) -> str:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "model.tar.gz").write_bytes(content or tiny_model_archive())
    (folder / "evaluation.json").write_text('{"binary_classification_metrics": {}}')
    (folder / "statistics.json").write_text('{"version": 0.0, "features": []}')
    (folder / "constraints.json").write_text('{"version": 0.0, "features": []}')
    return str(folder / "model.tar.gz")


def _register(tmp_path: Path, group: str = "customer-churn", **fields: object):
    folder = tmp_path / f"model-{time.monotonic_ns()}"
    uri = _model_file(folder, tiny_model_archive(int.from_bytes(os.urandom(2), "big")))
    return registry.register_version(
        group,
        model_data_uri=uri,
        inference_spec={"flavor": "xgboost", "feature_names": ["a", "b"]},
        metrics={"accuracy": 0.93, "auc": 0.97},
        metrics_uri=str(folder / "evaluation.json"),
        statistics_uri=str(folder / "statistics.json"),
        constraints_uri=str(folder / "constraints.json"),
        custom_metadata={"input_columns": "a,b"},
        **fields,  # type: ignore[arg-type]
    )


def test_versions_are_numbered_and_approval_is_recorded_with_who_and_why(
    database: str, tmp_path: Path
) -> None:
    first = _register(tmp_path, execution_id="exec-1", step_name="RegisterModel")
    second = _register(tmp_path)
    assert (first.version, second.version) == (1, 2)
    assert first.status == second.status == "PendingManualApproval"
    assert registry.get_group("customer-churn").status_counts == {"PendingManualApproval": 2}

    with pytest.raises(NotFound, match=r"customer-churn.*2 PendingManualApproval"):
        registry.latest_version("customer-churn")

    registry.approve("customer-churn", 1, reason="beats the old one")
    registry.approve("customer-churn", 2, reason="even better", user="alice")
    assert registry.latest_version("customer-churn").version == 2
    rejected = registry.reject("customer-churn", 2, reason="fails on March data", user="bob")
    assert registry.latest_version("customer-churn").version == 1  # highest *approved*

    history = [(c.from_status, c.to_status, c.user, c.reason) for c in rejected.approval_history]
    assert history == [
        (None, "PendingManualApproval", "tester", "registered"),
        ("PendingManualApproval", "Approved", "alice", "even better"),
        ("Approved", "Rejected", "bob", "fails on March data"),
    ]
    back = registry.update_status("customer-churn", 2, "PendingManualApproval", reason="recheck")
    assert back.status == "PendingManualApproval"

    described = registry.get_version("customer-churn", 1).to_json()
    assert described["group"] == "customer-churn" and described["version"] == 1
    assert described["status"] == "Approved"
    assert described["metrics"] == {"accuracy": 0.93, "auc": 0.97}
    assert described["baseline"]["statistics_uri"].endswith("statistics.json")
    assert described["custom_metadata"] == {"input_columns": "a,b"}
    assert described["execution_id"] == "exec-1"
    assert described["approval_history"][-1]["user"] == "tester"
    assert [v.version for v in registry.list_versions("customer-churn")] == [2, 1]
    assert [v.version for v in registry.list_versions("customer-churn", "approved")] == [1]


def test_bad_references_and_statuses_are_refused_and_change_nothing(
    database: str, tmp_path: Path
) -> None:
    _register(tmp_path)
    before = registry.read_events()
    with pytest.raises(InvalidInput, match=r"invalid status 'Deployed'"):
        registry.update_status("customer-churn", 1, "Deployed")
    with pytest.raises(InvalidInput, match=r"expected GROUP/VERSION"):
        registry.parse_version_ref("customer-churn")
    with pytest.raises(InvalidInput, match=r"positive integer"):
        registry.parse_version_ref("customer-churn/latest")
    with pytest.raises(NotFound, match=r"group 'fraud' does not exist; groups: customer-churn"):
        registry.approve("fraud", 1)
    with pytest.raises(NotFound, match=r"customer-churn/7 does not exist.*versions 1 to 1"):
        registry.approve("customer-churn", 7)
    with pytest.raises(InvalidInput, match=r"invalid model package group name"):
        registry.create_group("bad name!")
    with pytest.raises(Conflict, match=r"not empty.*1 PendingManualApproval"):
        registry.delete_group("customer-churn")
    assert registry.get_version("customer-churn", 1).status == "PendingManualApproval"
    assert registry.read_events() == before


def test_groups_are_created_described_listed_and_deleted_only_when_empty(database: str) -> None:
    created = registry.create_group("fraud", "card fraud scores")
    assert (created.name, created.description, created.version_count) == (
        "fraud",
        "card fraud scores",
        0,
    )
    with pytest.raises(Conflict, match=r"already exists"):
        registry.create_group("fraud")
    assert [g.name for g in registry.list_groups()] == ["fraud"]
    registry.delete_group("fraud")
    assert registry.list_groups() == []
    with pytest.raises(NotFound):
        registry.get_group("fraud")


def test_two_consumers_read_the_event_log_in_order_at_least_once(
    database: str, tmp_path: Path
) -> None:
    _register(tmp_path)
    registry.approve("customer-churn", 1, reason="ok")
    _register(tmp_path)
    kinds = [(e.type, e.version, e.new_status) for e in registry.read_events()]
    assert kinds == [
        ("ModelGroupCreated", None, None),
        ("ModelVersionRegistered", 1, "PendingManualApproval"),
        ("ModelVersionStatusChanged", 1, "Approved"),
        ("ModelVersionRegistered", 2, "PendingManualApproval"),
    ]

    seen_by_rules: list[int] = []
    assert registry.consume("rules", lambda e: seen_by_rules.append(e.position)) == 4

    # A scheduler that crashes while handling the third event gets it again next time.
    seen_by_scheduler: list[int] = []

    def flaky(event: registry.RegistryEvent) -> None:
        if event.type == "ModelVersionStatusChanged" and len(seen_by_scheduler) == 2:
            seen_by_scheduler.append(-1)
            raise RuntimeError("crashed")
        seen_by_scheduler.append(event.position)

    with pytest.raises(RuntimeError):
        registry.consume("scheduler", flaky)
    assert registry.consume("scheduler", flaky) == 2
    assert [p for p in seen_by_scheduler if p > 0] == seen_by_rules
    registry.reject("customer-churn", 2, reason="no")
    assert [e.new_status for e in registry.poll("rules")] == ["Rejected"]
    assert [e.new_status for e in registry.poll("scheduler")] == ["Rejected"]
    assert registry.read_events(after=3)[0].version == 2


def test_export_then_import_into_another_registry_keeps_the_model_byte_identical(
    database: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = _register(tmp_path, execution_id="exec-9")
    registry.approve("customer-churn", 1, reason="ship it")
    exported = registry.export_version("customer-churn", 1, tmp_path / "export")
    assert sorted(os.listdir(exported)) == [
        "constraints.json",
        "evaluation.json",
        "metadata.json",
        "model.tar.gz",
        "statistics.json",
    ]

    # another home, another SQLite database
    monkeypatch.setenv("BATCHOPS_HOME", str(tmp_path / "other-home"))
    monkeypatch.delenv("BATCHOPS_DB_URL", raising=False)
    dispose_engines()
    imported = registry.import_version(exported, "churn-prod")
    assert imported.ref == "churn-prod/1"
    assert imported.status == "PendingManualApproval"  # the receiving team decides
    assert imported.metrics == source.metrics
    assert imported.custom_metadata["imported_from"] == "customer-churn/1"
    assert imported.custom_metadata["source_execution_id"] == "exec-9"
    assert str(tmp_path / "other-home") in imported.model_data_uri

    def digest(path: str) -> str:
        return hashlib.sha256(Path(path).read_bytes()).hexdigest()

    assert digest(imported.model_data_uri) == digest(source.model_data_uri)
    assert (
        Path(imported.statistics_uri or "").read_bytes()
        == Path(source.statistics_uri or "").read_bytes()
    )


def test_import_refuses_a_tampered_or_incomplete_folder_and_registers_nothing(
    database: str, tmp_path: Path
) -> None:
    _register(tmp_path)
    exported = registry.export_version("customer-churn", 1, tmp_path / "export")
    with pytest.raises(Conflict, match=r"not an empty folder"):
        registry.export_version("customer-churn", 1, exported)

    (exported / "model.tar.gz").write_bytes(b"something else")
    with pytest.raises(InvalidInput, match=r"model.tar.gz: checksum mismatch"):
        registry.import_version(exported, "copy")
    (exported / "model.tar.gz").unlink()
    with pytest.raises(NotFound, match=r"model.tar.gz is missing"):
        registry.import_version(exported, "copy")
    (exported / "metadata.json").write_text("{not json")
    with pytest.raises(InvalidInput, match=r"metadata.json: not valid JSON"):
        registry.import_version(exported, "copy")
    with pytest.raises(NotFound):
        registry.get_group("copy")


_REGISTER_SCRIPT = """
import os, sys, time
from batchops import registry
start = float(sys.argv[1])
time.sleep(max(0.0, start - time.time()))
version = registry.register_version("race", model_data_uri=sys.argv[2])
print(version.version)
"""


@pytest.mark.parametrize(
    ("backend", "processes"),
    [("sqlite", 2), pytest.param("postgresql", 8, marks=pytest.mark.postgres)],
)
def test_processes_registering_at_the_same_moment_get_distinct_numbers(
    backend: str,
    processes: int,
    tmp_path: Path,
    request: pytest.FixtureRequest,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    if backend == "postgresql":
        server = request.getfixturevalue("postgres_server")
        monkeypatch.setenv("BATCHOPS_DB_URL", server.create_database(f"race_{os.getpid()}"))
    registry.list_groups()  # migrate once, so the race is about registering
    model = _model_file(tmp_path / "m")
    start = time.time() + 3.0
    children = [
        subprocess.Popen(
            [sys.executable, "-c", _REGISTER_SCRIPT, str(start), model],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(processes)
    ]
    results = [child.communicate(timeout=120) for child in children]
    assert [child.returncode for child in children] == [0] * processes, results
    numbers = sorted(int(out) for out, _ in results)
    assert numbers == list(range(1, processes + 1))
    assert [v.version for v in registry.list_versions("race")] == numbers[::-1]
