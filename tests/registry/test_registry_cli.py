"""`batchops registry …` through the real command: JSON on stdout, exit code 2 on bad input."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from batchops import registry
from support.cli import run_batchops
from support.models import tiny_model_archive


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return run_batchops("registry", *args, timeout=60)


def _registered(tmp_path: Path, count: int = 1) -> None:
    model = tmp_path / "model.tar.gz"
    model.write_bytes(tiny_model_archive())
    for _ in range(count):
        registry.register_version("customer-churn", model_data_uri=str(model), metrics={"auc": 1})


def test_approve_describe_and_latest_as_json(tmp_path: Path) -> None:
    _registered(tmp_path, 2)
    none = cli("latest", "customer-churn")
    assert none.returncode == 2
    assert "no Approved version" in none.stderr and "2 PendingManualApproval" in none.stderr

    approved = cli("approve", "customer-churn/1", "--reason", "validated offline", "--json")
    assert approved.returncode == 0, approved.stderr
    assert json.loads(approved.stdout)["status"] == "Approved"
    latest = json.loads(cli("latest", "customer-churn", "--json").stdout)
    assert latest["version"] == 1
    assert latest["approval_history"][-1]["reason"] == "validated offline"
    listed = json.loads(cli("versions", "customer-churn", "--json").stdout)
    assert [v["version"] for v in listed] == [2, 1]
    groups = json.loads(cli("groups", "--json").stdout)
    assert groups[0]["status_counts"] == {"Approved": 1, "PendingManualApproval": 1}
    human = cli("describe", "customer-churn/1")
    assert (
        "PendingManualApproval -> Approved" in human.stdout and "validated offline" in human.stdout
    )


def test_bad_input_exits_2_with_one_line_naming_it(tmp_path: Path) -> None:
    _registered(tmp_path)
    cases = {
        ("approve", "customer-churn"): "expected GROUP/VERSION",
        ("approve", "customer-churn/9"): "customer-churn/9 does not exist",
        ("approve", "fraud/1"): "'fraud' does not exist",
        ("set-status", "customer-churn/1", "Live"): "invalid status 'Live'",
        ("delete-group", "customer-churn"): "is not empty",
        ("import", str(tmp_path / "nowhere"), "--group", "g"): "metadata.json is missing",
    }
    for args, message in cases.items():
        result = cli(*args)
        assert result.returncode == 2, (args, result.stderr)
        assert message in result.stderr, (args, result.stderr)
        assert "Traceback" not in result.stderr
    assert registry.get_version("customer-churn", 1).status == "PendingManualApproval"


def test_events_with_a_consumer_advance_its_position(tmp_path: Path) -> None:
    _registered(tmp_path)
    first = json.loads(cli("events", "--consumer", "alarms", "--json").stdout)
    assert [e["type"] for e in first] == ["ModelGroupCreated", "ModelVersionRegistered"]
    assert json.loads(cli("events", "--consumer", "alarms", "--json").stdout) == []
    cli("approve", "customer-churn/1")
    again = json.loads(cli("events", "--consumer", "alarms", "--json").stdout)
    assert [(e["old_status"], e["new_status"]) for e in again] == [
        ("PendingManualApproval", "Approved")
    ]
    everything = json.loads(cli("events", "--after", "0", "--json").stdout)
    assert len(everything) == 3


def test_export_and_import_through_the_cli(tmp_path: Path) -> None:
    _registered(tmp_path)
    target = tmp_path / "exported"
    assert cli("export", "customer-churn/1", str(target)).returncode == 0
    imported = cli("import", str(target), "--group", "copy", "--json")
    assert imported.returncode == 0, imported.stderr
    version = json.loads(imported.stdout)
    assert version["group"] == "copy" and version["version"] == 1
    assert Path(version["model_data_uri"]).read_bytes() == (tmp_path / "model.tar.gz").read_bytes()


def test_lineage_for_people_names_what_made_the_version(tmp_path: Path) -> None:
    _registered(tmp_path)
    shown = cli("lineage", "customer-churn/1")
    assert shown.returncode == 0, shown.stderr
    assert "customer-churn/1 PendingManualApproval" in shown.stdout
    assert "no execution recorded" in shown.stdout
    assert cli("lineage").returncode == 2  # neither a version nor --execution
    assert "unknown execution 'nope'" in cli("lineage", "--execution", "nope").stderr


def test_text_is_printed_as_given(tmp_path: Path) -> None:
    """Brackets in a reason are not taken for styling; a metric that is not a number lists."""
    model = tmp_path / "model.tar.gz"
    model.write_bytes(tiny_model_archive())
    registry.register_version(
        "customer-churn", model_data_uri=str(model), metrics={"auc": 0.98765, "split": "by [date]"}
    )
    approved = cli("approve", "customer-churn/1", "--reason", "ok [checked by QA]")
    assert approved.returncode == 0, approved.stderr
    described = cli("describe", "customer-churn/1")
    assert described.returncode == 0, described.stderr
    assert "ok [checked by QA]" in described.stdout
    listed = cli("versions", "customer-churn")
    assert listed.returncode == 0, listed.stderr
    assert "auc 0.9877, split by [date]" in listed.stdout
