"""What the registry holds cannot change behind an approval, whatever an importer sends.

Each attack is made as a user (or an attacker with a crafted export folder) would make it,
through the real command; each must exit 2 with one line naming the problem, and leave every
file under the artifact root and every row of the registry exactly as it was. The approved
version keeps giving the same drift violations throughout.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from batchops import registry
from batchops.errors import InvalidInput, NotFound
from batchops.monitor import baseline, check
from batchops.store import artifacts
from support.cli import run_batchops

HYPERPARAMETERS = {"objective": "binary:logistic", "num_round": "8", "max_depth": "3", "seed": "3"}
FEATURES = ["a", "b", "c", "d"]


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A small real XGBoost model, its evaluation, a baseline, and a drifted batch."""
    from batchops.models.xgboost import train

    folder = tmp_path_factory.mktemp("made")
    rng = np.random.default_rng(7)
    features = rng.normal(size=(1000, 4)).round(4)
    labels = (features[:, 0] - features[:, 2] > 0).astype(float)
    for name, rows in (("train", slice(0, 700)), ("validation", slice(700, 1000))):
        (folder / name).mkdir()
        data = np.column_stack([labels[rows], features[rows]])
        np.savetxt(folder / name / "part.csv", data, delimiter=",", fmt="%.4f")
    model = train(
        train=folder / "train",
        validation=folder / "validation",
        model_dir=folder / "model",
        hyperparameters=HYPERPARAMETERS,
        feature_names=FEATURES,
        log=lambda _line: None,
    )
    clean = folder / "clean.csv"
    np.savetxt(clean, features, delimiter=",", fmt="%.4f", header=",".join(FEATURES), comments="")
    base = baseline(clean, folder / "baseline")
    drifted = features.copy()
    drifted[:, 0] += 5.0
    drifted[:, 1] *= 4.0
    batch = folder / "drifted.csv"
    np.savetxt(batch, drifted, delimiter=",", fmt="%.4f", header=",".join(FEATURES), comments="")
    scoring = folder / "scoring.csv"
    np.savetxt(scoring, features[:50], delimiter=",", fmt="%.4f")
    evaluation = folder / "evaluation.json"
    evaluation.write_text(json.dumps({"binary_classification_metrics": {"auc": {"value": 0.9}}}))
    return {
        "model": model,
        "evaluation": evaluation,
        "statistics": Path(base.statistics_uri),
        "constraints": Path(base.constraints_uri),
        "batch": batch,
        "scoring": scoring,
    }


def register(made: dict[str, Path], group: str = "customer-churn", **fields: Any):
    return registry.register_version(
        group,
        model_data_uri=str(fields.pop("model", made["model"])),
        metrics_uri=str(fields.pop("evaluation", made["evaluation"])),
        statistics_uri=str(fields.pop("statistics", made["statistics"])),
        constraints_uri=str(fields.pop("constraints", made["constraints"])),
        metrics={"auc": 0.9},
        custom_metadata={"input_columns": ",".join(FEATURES)},
        **fields,
    )


def violations(version: registry.ModelVersion, batch: Path, out: Path) -> list[tuple[str, str]]:
    """The drift check of `batch` against the version's baseline, as batch-inference runs it."""
    result = check(
        batch,
        statistics=str(version.statistics_uri),
        constraints=str(version.constraints_uri),
        out_dir=out,
    )
    return sorted((v.feature_name, v.constraint_check_type) for v in result.violations)


def disk() -> dict[str, str]:
    """Every file and folder under the artifact root, with each file's sha256."""
    root = Path(artifacts.artifacts_root())
    found: dict[str, str] = {}
    for folder, folders, files in os.walk(root):
        for name in folders:
            found[os.path.relpath(Path(folder, name), root)] = "folder"
        for name in files:
            path = Path(folder, name)
            found[os.path.relpath(path, root)] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found


def database() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    versions = [
        version.to_json()
        for group in registry.list_groups()
        for version in registry.list_versions(group.name)
    ]
    return versions, [event.to_json() for event in registry.read_events(0, 10_000)]


def exported(made: dict[str, Path], tmp_path: Path, name: str) -> Path:
    return registry.export_version("customer-churn", 1, tmp_path / name)


def rewrite_metadata(folder: Path, change: Callable[[dict[str, Any]], None]) -> None:
    path = folder / "metadata.json"
    metadata = json.loads(path.read_text())
    change(metadata)
    path.write_text(json.dumps(metadata))


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_no_tampered_import_changes_an_approved_version_or_its_violations(
    made: dict[str, Path], tmp_path: Path
) -> None:
    approved = register(made)
    registry.approve("customer-churn", 1, reason="validated")
    approved = registry.approved_version("customer-churn")
    own = Path(artifacts.registry_version_uri("customer-churn", 1))
    assert Path(approved.constraints_uri or "").parent == own
    found = violations(approved, made["batch"], tmp_path / "check-0")
    assert found, "the drifted batch must give violations"
    files = {name: sha256(own / name) for name in os.listdir(own)}
    assert sorted(files) == [
        "constraints.json",
        "evaluation.json",
        "model.tar.gz",
        "statistics.json",
    ]
    assert {n: e["sha256"] for n, e in approved.files.items()} == files

    def threshold_with_fixed_checksum_and_invalid_metadata(folder: Path) -> None:
        constraints = json.loads((folder / "constraints.json").read_text())
        config = constraints["monitoring_config"]["distribution_constraints"]
        config["comparison_threshold"] = 1e6
        (folder / "constraints.json").write_text(json.dumps(constraints))

        def fix(metadata: dict[str, Any]) -> None:
            metadata["files"]["constraints.json"]["sha256"] = sha256(folder / "constraints.json")
            metadata["files"]["constraints.json"]["bytes"] = (
                (folder / "constraints.json").stat().st_size
            )
            metadata["custom_metadata"] = "abc"

        rewrite_metadata(folder, fix)

    def without_baseline_files(folder: Path) -> None:
        (folder / "statistics.json").unlink()
        (folder / "constraints.json").unlink()

    def symlinked_evaluation(folder: Path) -> None:
        secret = tmp_path / "secret.json"
        secret.write_text('{"password": "hunter2"}')
        (folder / "evaluation.json").unlink()
        (folder / "evaluation.json").symlink_to(secret)
        rewrite_metadata(
            folder, lambda m: m["files"]["evaluation.json"].update(sha256=sha256(secret))
        )

    def field(key: str, value: Any) -> Callable[[Path], None]:
        return lambda folder: rewrite_metadata(folder, lambda m: m.__setitem__(key, value))

    def deep(folder: Path) -> None:
        (folder / "metadata.json").write_text("[" * 100_000 + "]" * 100_000)

    def huge(folder: Path) -> None:
        with (folder / "metadata.json").open("w") as handle:
            handle.write('{"format": "batchops-model-export/1", "pad": "')
            handle.write("x" * (100 << 20))
            handle.write('"}')

    def deep_inside(folder: Path) -> None:
        nested: Any = "leaf"
        for _ in range(500):
            nested = {"k": nested}
        rewrite_metadata(folder, lambda m: m.__setitem__("custom_metadata", nested))

    def extra_file(folder: Path) -> None:
        (folder / "notes.txt").write_text("hello")
        entry = {"sha256": sha256(folder / "notes.txt"), "bytes": 5}
        rewrite_metadata(folder, lambda m: m["files"].__setitem__("../notes.txt", entry))

    attacks: dict[str, tuple[Callable[[Path], None], str, str]] = {
        "threshold": (
            threshold_with_fixed_checksum_and_invalid_metadata,
            "copy",
            "$.custom_metadata must be an object or null, got text",
        ),
        "missing-baseline": (without_baseline_files, "copy", "statistics.json is missing"),
        "symlink": (symlinked_evaluation, "copy", "is a symbolic link"),
        "metrics-text": (field("metrics", "x"), "copy", "$.metrics must be an object"),
        "spec-number": (field("inference_spec", 5), "copy", "$.inference_spec must be an object"),
        "version-text": (field("version", "1"), "copy", "$.version must be an integer"),
        "version-bool": (field("version", True), "copy", "$.version must be an integer"),
        "files-list": (field("files", []), "copy", "$.files must be an object"),
        "deep": (deep, "copy", "nested too deeply"),
        "huge": (huge, "copy", "larger than 4 MiB"),
        "deep-inside": (deep_inside, "copy", "nested more than 64 levels deep"),
        "extra-file": (extra_file, "copy", "not a file of a model version"),
        "group-outside": (lambda folder: None, "../../../../outside/x", "invalid model package"),
        "group-markup": (lambda folder: None, "<b>", "invalid model package group name"),
        "group-into-approved": (
            threshold_with_fixed_checksum_and_invalid_metadata,
            "customer-churn",
            "$.custom_metadata must be",
        ),
    }
    before_disk, before_db = disk(), database()
    for name, (tamper, group, message) in attacks.items():
        folder = exported(made, tmp_path, f"export-{name}")
        tamper(folder)
        result = run_batchops("registry", "import", str(folder), "--group", group, timeout=120)
        assert result.returncode == 2, (name, result.stdout, result.stderr)
        assert message in result.stderr, (name, result.stderr)
        assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr, name
        assert disk() == before_disk, name
        assert database() == before_db, name
        assert not (tmp_path.parent / "outside").exists()
        assert {n: sha256(own / n) for n in os.listdir(own)} == files, name
        assert (
            violations(registry.approved_version("customer-churn"), made["batch"], tmp_path / name)
            == found
        )

    # An export without its baseline files, declared so, is a legitimate new version; importing
    # it into the approved version's group leaves the approved version's files alone.
    folder = exported(made, tmp_path, "export-no-baseline")
    without_baseline_files(folder)
    rewrite_metadata(
        folder, lambda m: [m["files"].pop(n) for n in ("statistics.json", "constraints.json")]
    )
    second = registry.import_version(folder, "customer-churn")
    assert second.ref == "customer-churn/2" and second.constraints_uri is None
    assert {n: sha256(own / n) for n in os.listdir(own)} == files
    assert (
        violations(registry.approved_version("customer-churn/1"), made["batch"], tmp_path / "last")
        == found
    )


def test_a_failed_registration_leaves_no_folder_and_no_row(
    made: dict[str, Path], tmp_path: Path
) -> None:
    register(made)
    before_disk, before_db = disk(), database()
    cases: list[tuple[dict[str, Any], type[Exception], str]] = [
        ({"constraints": tmp_path / "nowhere.json"}, NotFound, "constraints.json does not exist"),
        ({"statistics": tmp_path}, InvalidInput, "must be a file, not a folder"),
        ({"status": "Deployed"}, InvalidInput, "invalid status"),
        ({"inference_spec": "abc"}, InvalidInput, "inference_spec must be an object"),
        ({"description": 5}, InvalidInput, "description must be text"),
    ]
    for fields, error, message in cases:
        with pytest.raises(error, match=message):
            register(made, **fields)
        assert disk() == before_disk and database() == before_db, message
    for bad in ("../../x", "<b>", "a" * 64):
        with pytest.raises(InvalidInput, match="invalid model package group name"):
            register(made, group=bad)
        assert disk() == before_disk and database() == before_db, bad


def test_version_numbers_are_ascii_digits_within_bounds(made: dict[str, Path]) -> None:
    register(made)
    for ref, message in {
        "customer-churn/\u0663": "digits 0-9",
        "customer-churn/99999999999999999999": "positive integer up to 2147483647",
        "customer-churn/0": "positive integer",
        "customer-churn/2147483648": "positive integer",
    }.items():
        with pytest.raises(InvalidInput, match=message):
            registry.parse_version_ref(ref)
        result = run_batchops("registry", "describe", ref)
        assert result.returncode == 2, (ref, result.stderr)
        assert message in result.stderr and result.stderr.count("\n") == 1, result.stderr
    assert registry.parse_version_ref("customer-churn/1") == ("customer-churn", 1)


def test_a_pipeline_registered_version_survives_its_execution_folder(
    made: dict[str, Path], tmp_path: Path
) -> None:
    """What RegisterModel does: URIs into the execution's step outputs; then the folder goes."""
    from batchops.transform import transform

    execution = artifacts.execution_output_uri("train-and-baseline", "exec-1")
    sources = {}
    for key, step, output in (
        ("model", "TrainModel", "model"),
        ("evaluation", "EvaluateModel", "evaluation"),
        ("statistics", "DataQualityCheckStep", "baseline"),
        ("constraints", "DataQualityCheckStep", "baseline"),
    ):
        target = Path(artifacts.step_output_uri("train-and-baseline", "exec-1", step, output))
        target.mkdir(parents=True, exist_ok=True)
        sources[key] = shutil.copy(made[key], target / made[key].name)
    version = register(made, execution_id="exec-1", step_name="RegisterModel", **sources)
    registry.approve("customer-churn", version.version)
    found = violations(
        registry.approved_version("customer-churn"), made["batch"], tmp_path / "before"
    )

    shutil.rmtree(execution)
    result = run_batchops("registry", "verify", "customer-churn")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "customer-churn/1 ok"
    assert (
        violations(registry.approved_version("customer-churn"), made["batch"], tmp_path / "after")
        == found
    )
    scored = transform(
        registry.model_data_uri("customer-churn/1"), made["scoring"], tmp_path / "scored", workers=0
    )
    assert scored.rows == 50
    assert registry.version_lineage("customer-churn", 1)["version"]["execution_id"] == "exec-1"


def test_a_file_changed_on_disk_is_named_by_verify_and_refused_by_lookups(
    made: dict[str, Path], tmp_path: Path
) -> None:
    register(made)
    register(made)
    registry.approve("customer-churn", 2)
    tampered = Path(registry.get_version("customer-churn", 2).constraints_uri or "")
    tampered.write_text(tampered.read_text().replace("0.1", "1000000.0"))

    result = run_batchops("registry", "verify", "customer-churn")
    assert result.returncode == 1, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "customer-churn/1 ok"
    assert lines[1].startswith("customer-churn/2 constraints.json: changed since registration")
    as_json = json.loads(run_batchops("registry", "verify", "customer-churn/2", "--json").stdout)
    assert as_json[0]["ok"] is False and "constraints.json" in as_json[0]["problems"][0]
    assert run_batchops("registry", "verify", "customer-churn/1").returncode == 0

    for lookup in (
        lambda: registry.approved_version("customer-churn"),
        lambda: registry.approved_version("customer-churn/2"),
        lambda: registry.model_data_uri("customer-churn"),
        lambda: registry.verified_version("customer-churn", 2),
        lambda: registry.export_version("customer-churn", 2, tmp_path / "export"),
    ):
        with pytest.raises(registry.VersionFilesChanged, match=r"customer-churn/2.*constraints"):
            lookup()
    scoring = run_batchops(
        "transform",
        "--input",
        str(made["scoring"]),
        "--model",
        "customer-churn",
        "--output",
        str(tmp_path / "o"),
    )
    assert scoring.returncode == 2 and "constraints.json: changed" in scoring.stderr

    Path(registry.get_version("customer-churn", 1).model_data_uri).unlink()
    missing = run_batchops("registry", "verify", "customer-churn/1")
    assert missing.returncode == 1 and "model.tar.gz: missing at" in missing.stdout
    for bad in ("nope", "customer-churn/9", "<b>", "customer-churn/\u0663"):
        refused = run_batchops("registry", "verify", bad)
        assert refused.returncode == 2, (bad, refused.stderr)
        assert refused.stderr.count("\n") == 1, refused.stderr


def test_a_corrupt_model_never_becomes_a_version(tmp_path: Path) -> None:
    """Registration loads the model as scoring would: a broken booster is refused by name."""
    import io
    import tarfile

    from batchops import registry

    archive = tmp_path / "model.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        info = tarfile.TarInfo("xgboost-model")
        payload = b'{"learner": {"gradient_booster": '
        info.size = len(payload)
        tar.addfile(info, io.BytesIO(payload))
    with pytest.raises(InvalidInput, match=str(archive)):
        registry.register_version("corrupt", model_data_uri=str(archive))
    assert registry.list_groups() == []
