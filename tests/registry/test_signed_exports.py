"""An import trusts only what it verified: metrics come from the digest-checked evaluation
file, and a signed export (HMAC-SHA256 over metadata.json) is refused unsigned or altered.

The probe: an export whose metadata.json claimed accuracy 0.9999 while its checked
evaluation.json said 0.956 was imported with 0.9999.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from batchops import registry
from batchops.errors import EnvironmentProblem, InvalidInput
from support.cli import run_batchops
from support.models import tiny_model_archive

EVALUATION = {
    "binary_classification_metrics": {"accuracy": {"value": 0.956}, "auc": {"value": 0.991}}
}
KEY = "export-signing-key-0123456789"


@pytest.fixture
def exported(tmp_path: Path) -> Path:
    """Version 1 of `churn`, registered from real files and exported unsigned."""
    model = tmp_path / "model.tar.gz"
    model.write_bytes(tiny_model_archive())
    evaluation = tmp_path / "evaluation.json"
    evaluation.write_text(json.dumps(EVALUATION))
    registry.register_version(
        "churn",
        model_data_uri=str(model),
        metrics_uri=str(evaluation),
        metrics={"accuracy": 0.956, "auc": 0.991},
    )
    return registry.export_version("churn", 1, tmp_path / "export")


def _forge_metrics(folder: Path) -> None:
    metadata = json.loads((folder / "metadata.json").read_text())
    metadata["metrics"]["accuracy"] = 0.9999
    (folder / "metadata.json").write_text(json.dumps(metadata, indent=2) + "\n")


def test_metrics_come_from_the_checked_evaluation_file_and_a_forged_copy_is_refused(
    exported: Path,
) -> None:
    imported = registry.import_version(exported, "staging")
    assert imported.metrics == {"accuracy": 0.956, "auc": 0.991}
    _forge_metrics(exported)
    with pytest.raises(InvalidInput, match=r"\$\.metrics do not match the checked evaluation"):
        registry.import_version(exported, "staging")
    done = run_batchops("registry", "import", str(exported), "--group", "staging")
    assert done.returncode == 2 and done.stderr.count("\n") == 1, done.stderr
    assert "accuracy 0.9999 there, 0.956 in the file" in done.stderr
    assert [v.version for v in registry.list_versions("staging")] == [1]


def test_a_signed_export_imports_with_the_key_and_is_refused_unsigned_altered_or_otherwise_keyed(
    exported: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EXPORT_KEY", KEY)
    monkeypatch.setenv("OTHER_KEY", "another-key-entirely-0123456789")
    signed = tmp_path / "signed"
    made = run_batchops(
        "registry", "export", "churn/1", str(signed), "--sign-key-env", "EXPORT_KEY"
    )
    assert made.returncode == 0 and "(signed)" in made.stdout, made.stderr
    assert (signed / "metadata.json.sig").read_text().startswith("sha256=")

    ok = run_batchops(
        "registry", "import", str(signed), "--group", "prod", "--verify-key-env", "EXPORT_KEY"
    )
    assert ok.returncode == 0, ok.stderr
    assert registry.get_version("prod", 1).metrics["accuracy"] == 0.956

    def refused(folder: Path, key_env: str = "EXPORT_KEY") -> str:
        done = run_batchops(
            "registry", "import", str(folder), "--group", "prod", "--verify-key-env", key_env
        )
        assert done.returncode == 2 and done.stderr.count("\n") == 1, done.stderr
        return done.stderr

    assert "not signed" in refused(exported)  # the unsigned export of the fixture
    assert "signature does not match" in refused(signed, "OTHER_KEY")
    metadata = json.loads((signed / "metadata.json").read_text())
    metadata["custom_metadata"]["note"] = "changed after signing"
    (signed / "metadata.json").write_text(json.dumps(metadata, indent=2) + "\n")
    assert "signature does not match" in refused(signed)
    assert "EXPORT_KEY_MISSING is not set" in refused(signed, "EXPORT_KEY_MISSING")
    assert [v.version for v in registry.list_versions("prod")] == [1]


def test_a_signing_key_must_be_named_by_a_set_variable(tmp_path: Path) -> None:
    from batchops.store.signing import secret_from_env

    with pytest.raises(EnvironmentProblem, match="NOT_THERE is not set"):
        secret_from_env("NOT_THERE", "--sign-key-env")
    with pytest.raises(InvalidInput, match="the name of an environment variable"):
        secret_from_env("not a name", "--sign-key-env")
    done = run_batchops(
        "registry", "export", "churn/1", str(tmp_path / "x"), "--sign-key-env", "NOT_THERE"
    )
    assert done.returncode == 2 and "NOT_THERE" in done.stderr and not (tmp_path / "x").exists()
