"""A model.tar.gz written for SageMaker's XGBoost images before 1.3-1 carries the booster
pickled as `xgboost-model`. batchops never unpickles it: scoring, registering, exporting and
importing read the native booster the manifest names, and check the pickle's sha256 only.

The pickle here would create a file if anything unpickled it, so its absence shows that
nothing did.
"""

from __future__ import annotations

import hashlib
import json
import pickle
from pathlib import Path

import numpy as np
import xgboost as xgb

from batchops import registry
from batchops.models import load_model, pack_model
from support.cli import run_batchops


class _Tripwire:
    """Unpickling this opens (creates) `path`: a pickle that runs code when read."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def __reduce__(self) -> tuple[object, tuple[str, str]]:
        return (open, (str(self.path), "w"))


def _archive(tripwire: Path, *, tamper: bool = False) -> tuple[bytes, xgb.Booster]:
    rows = np.random.default_rng(3).random((64, 3))
    booster = xgb.train(
        {"objective": "binary:logistic", "max_depth": 2},
        xgb.DMatrix(rows, label=(rows[:, 0] > 0.5).astype(float)),
        num_boost_round=3,
    )
    pickled = pickle.dumps(_Tripwire(tripwire))
    manifest = {
        "flavor": "xgboost",
        "format_version": 1,
        "loader": "batchops.models.xgboost",
        "model_file": "xgboost-model.json",
        "feature_names": ["f0", "f1", "f2"],
        "n_features": 3,
        "extra_members": {
            "xgboost-model": {"format": "pickle", "sha256": hashlib.sha256(pickled).hexdigest()}
        },
    }
    members = {
        "xgboost-model": pickled + (b"changed" if tamper else b""),
        "xgboost-model.json": bytes(booster.save_raw("json")),
        "batchops-model.json": json.dumps(manifest).encode(),
    }
    return pack_model(members), booster


def test_transform_registry_export_and_import_read_the_native_booster_only(
    tmp_path: Path,
) -> None:
    tripwire = tmp_path / "unpickled"
    payload, booster = _archive(tripwire)
    archive = tmp_path / "model.tar.gz"
    archive.write_bytes(payload)
    batch = tmp_path / "batch.csv"
    rows = np.random.default_rng(4).random((20, 3)).round(4)
    np.savetxt(batch, rows, delimiter=",", fmt="%.4f")

    scored = run_batchops(
        "transform", "--model", str(archive), "--input", str(batch), "--output", str(tmp_path / "p")
    )
    assert scored.returncode == 0, scored.stderr
    predictions = np.loadtxt(next((tmp_path / "p").glob("*.out")), dtype=np.float32)
    expected = booster.inplace_predict(rows.astype(np.float32))
    assert np.array_equal(predictions, expected)

    version = registry.register_version("old-images", model_data_uri=str(archive))
    exported = run_batchops("registry", "export", version.ref, str(tmp_path / "exported"))
    assert exported.returncode == 0, exported.stderr
    imported = run_batchops(
        "registry", "import", str(tmp_path / "exported"), "--group", "copy", "--json"
    )
    assert imported.returncode == 0, imported.stderr
    copy = Path(json.loads(imported.stdout)["model_data_uri"])
    assert copy.read_bytes() == payload  # the pickle travelled, covered by the digest
    assert load_model(copy).manifest.extra_members["xgboost-model"]["format"] == "pickle"
    assert not tripwire.exists()


def test_a_pickle_that_no_longer_matches_the_manifest_is_refused(tmp_path: Path) -> None:
    tripwire = tmp_path / "unpickled"
    payload, _ = _archive(tripwire, tamper=True)
    archive = tmp_path / "model.tar.gz"
    archive.write_bytes(payload)
    batch = tmp_path / "batch.csv"
    batch.write_text("0.1,0.2,0.3\n")
    scored = run_batchops(
        "transform", "--model", str(archive), "--input", str(batch), "--output", str(tmp_path / "p")
    )
    assert scored.returncode == 2
    assert "xgboost-model: its sha256 differs from the manifest's" in scored.stderr
    assert not tripwire.exists()
