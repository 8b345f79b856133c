from __future__ import annotations

import io
import json
import pickle
import tarfile
from pathlib import Path

import numpy as np
import pytest
import xgboost

from batchops.errors import InvalidInput, NotFound
from batchops.models import ModelManifest, load_model, pack_model


@pytest.fixture(scope="module")
def booster() -> xgboost.Booster:
    rng = np.random.default_rng(0)
    features = rng.normal(size=(300, 6)).astype(np.float32)
    labels = (features[:, 1] > 0).astype(np.float32)
    return xgboost.train(
        {"objective": "binary:logistic", "max_depth": 2},
        xgboost.DMatrix(features, label=labels),
        num_boost_round=4,
    )


def _tar(path: Path, files: dict[str, bytes]) -> Path:
    with tarfile.open(path, "w:gz") as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return path


def _model_files(booster: xgboost.Booster, manifest: str) -> dict[str, bytes]:
    """Our archive's two members: the booster in JSON and the manifest."""
    return {
        "xgboost-model": bytes(booster.save_raw("json")),
        "batchops-model.json": manifest.encode(),
    }


def _rows() -> np.ndarray:
    return np.random.default_rng(1).normal(size=(50, 6)).astype(np.float32)


@pytest.mark.parametrize("raw_format", ["json", "ubj"])
def test_sagemaker_style_archive_without_manifest(tmp_path, booster, raw_format):
    model_bytes = bytes(booster.save_raw(raw_format))
    archive = _tar(tmp_path / "model.tar.gz", {"xgboost-model": model_bytes})
    model = load_model(archive)
    assert model.manifest.n_features == 6
    assert model.manifest.feature_names == [f"f{i}" for i in range(6)]
    assert model.manifest.objective == "binary:logistic"
    np.testing.assert_array_equal(model.predict(_rows()), booster.inplace_predict(_rows()))


def test_folder_with_archive_or_extracted_files(tmp_path, booster):
    manifest = ModelManifest(feature_names=list("abcdef"), n_features=6)
    files = _model_files(booster, manifest.to_json())
    (tmp_path / "packed").mkdir()
    _tar(tmp_path / "packed" / "model.tar.gz", files)
    extracted = tmp_path / "extracted"
    extracted.mkdir()
    for name, data in files.items():
        (extracted / name).write_bytes(data)
    for where in (tmp_path / "packed", extracted, str(extracted)):
        model = load_model(where)
        assert model.manifest.feature_names == list("abcdef")
        np.testing.assert_array_equal(model.predict(_rows()), booster.inplace_predict(_rows()))


def test_members_with_dot_slash_prefix(tmp_path, booster):
    archive = _tar(tmp_path / "m.tar.gz", {"./xgboost-model": bytes(booster.save_raw("json"))})
    assert load_model(archive).manifest.n_features == 6


def test_pickled_model_is_refused_with_a_way_out(tmp_path, booster):
    archive = _tar(tmp_path / "model.tar.gz", {"xgboost-model": pickle.dumps(booster)})
    with pytest.raises(InvalidInput, match="pickle") as caught:
        load_model(archive)
    assert "save_model" in str(caught.value)


def test_not_a_model(tmp_path):
    archive = _tar(tmp_path / "model.tar.gz", {"xgboost-model": b"hello world"})
    with pytest.raises(InvalidInput, match="not an XGBoost model"):
        load_model(archive)
    with pytest.raises(InvalidInput, match="has no xgboost-model"):
        load_model(_tar(tmp_path / "other.tar.gz", {"readme.txt": b"x"}))
    with pytest.raises(NotFound):
        load_model(tmp_path / "missing.tar.gz")
    (tmp_path / "plain.tar.gz").write_bytes(b"not a tar")
    with pytest.raises(InvalidInput, match="not a readable tar archive"):
        load_model(tmp_path / "plain.tar.gz")


def test_manifest_that_disagrees_with_booster(tmp_path, booster):
    manifest = ModelManifest(feature_names=list("abc"), n_features=3)
    archive = _tar(tmp_path / "model.tar.gz", _model_files(booster, manifest.to_json()))
    with pytest.raises(InvalidInput, match="reads 6 features but the manifest says 3"):
        load_model(archive)


def test_manifest_from_elsewhere_cannot_choose_any_module(tmp_path, booster):
    data = ModelManifest(feature_names=list("abcdef"), n_features=6).to_dict()
    data["loader"] = "os"
    archive = _tar(tmp_path / "model.tar.gz", _model_files(booster, json.dumps(data)))
    with pytest.raises(InvalidInput, match=r"only loaders under batchops\.models"):
        load_model(archive)
    for loader, message in [
        ("batchops.models.train", "is not a model loader"),
        ("batchops.models.nothing", "unknown model loader"),
    ]:
        data["loader"] = loader
        archive.write_bytes(pack_model(_model_files(booster, json.dumps(data))))
        with pytest.raises(InvalidInput, match=message):
            load_model(archive)


def test_manifest_json_round_trip_keeps_unknown_keys():
    manifest = ModelManifest.from_dict(
        {"feature_names": ["x", "y"], "n_features": 2, "label": "churn"}
    )
    again = ModelManifest.from_json(manifest.to_json())
    assert again == manifest
    assert json.loads(manifest.to_json())["label"] == "churn"
    assert list(json.loads(manifest.to_json()))[:4] == [
        "flavor",
        "format_version",
        "loader",
        "model_file",
    ]
    with pytest.raises(InvalidInput, match="2 feature_names but n_features is 3"):
        ModelManifest.from_dict({"feature_names": ["x", "y"], "n_features": 3})
