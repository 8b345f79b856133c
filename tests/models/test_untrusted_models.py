"""Models from anywhere, read as an attacker would craft them: every one is refused with one
short line naming the file (exit 2 on the command line), and nothing aborts the process or
eats its memory."""

from __future__ import annotations

import gzip
import io
import json
import os
import tarfile
import zlib
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import xgboost

from batchops.errors import InvalidInput
from batchops.models import ModelManifest, load_model, pack_model, validate_model
from support.cli import run_batchops


@pytest.fixture(scope="module")
def booster() -> xgboost.Booster:
    rng = np.random.default_rng(3)
    features = rng.normal(size=(200, 4)).astype(np.float32)
    labels = (features[:, 0] > 0).astype(np.float32)
    return xgboost.train(
        {"objective": "binary:logistic", "max_depth": 3},
        xgboost.DMatrix(features, label=labels),
        num_boost_round=3,
    )


def _document(booster: xgboost.Booster) -> dict:
    return json.loads(bytes(booster.save_raw("json")))


def _first_tree(document: dict) -> dict:
    return document["learner"]["gradient_booster"]["model"]["trees"][0]


def _edited(booster: xgboost.Booster, edit: Callable[[dict], None]) -> bytes:
    document = _document(booster)
    edit(document)
    return json.dumps(document).encode()


def _set_children_outside(document: dict) -> None:
    tree = _first_tree(document)
    tree["left_children"] = [99_999 if c != -1 else -1 for c in tree["left_children"]]


def _set_split_feature_outside(document: dict) -> None:
    _first_tree(document)["split_indices"] = [1_000_000] * len(
        _first_tree(document)["split_indices"]
    )


def _set_num_feature(value: str) -> Callable[[dict], None]:
    def edit(document: dict) -> None:
        document["learner"]["learner_model_param"]["num_feature"] = value

    return edit


def _repeat_tree_id(document: dict) -> None:
    document["learner"]["gradient_booster"]["model"]["trees"][1]["id"] = 0


def _drop_booster(document: dict) -> None:
    del document["learner"]["gradient_booster"]


# Each of these, before: the process aborted (empty: exit 134), crashed scoring (children or
# features outside the tree: SIGSEGV), or allocated billions of feature names (num_feature).
MODEL_FILES: dict[str, Callable[[xgboost.Booster], bytes]] = {
    "empty": lambda b: b"",
    "random bytes": lambda b: np.random.default_rng(0).bytes(4096),
    "truncated JSON": lambda b: bytes(b.save_raw("json"))[:700],
    "truncated UBJSON": lambda b: bytes(b.save_raw("ubj"))[:900],
    "JSON that is no booster": lambda b: b'{"learner": {"name": "x"}}',
    "booster without its trees": lambda b: _edited(b, _drop_booster),
    "negative num_feature": lambda b: _edited(b, _set_num_feature("-5")),
    "absurd num_feature": lambda b: _edited(b, _set_num_feature("2000000000")),
    "children outside the tree": lambda b: _edited(b, _set_children_outside),
    "split on a missing feature": lambda b: _edited(b, _set_split_feature_outside),
    "two trees with one id": lambda b: _edited(b, _repeat_tree_id),
    "deeply nested JSON": lambda b: b'{"learner": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
    "a key given twice": lambda b: bytes(b.save_raw("json")).replace(
        b'{"learner":', b'{"version":[3,0,0],"learner":', 1
    ),
}


def _tar(path: Path, members: list[tarfile.TarInfo], data: dict[str, bytes] | None = None) -> Path:
    with tarfile.open(path, "w:gz") as archive:
        for member in members:
            payload = (data or {}).get(member.name)
            archive.addfile(member, io.BytesIO(payload) if payload is not None else None)
    return path


def _file(name: str, data: bytes) -> tuple[tarfile.TarInfo, bytes]:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    return info, data


def _archive(path: Path, files: dict[str, bytes]) -> Path:
    path.write_bytes(pack_model(files))
    return path


def _refused(model: Path | str, *words: str) -> str:
    with pytest.raises(InvalidInput) as caught:
        load_model(model)
    message = str(caught.value)
    assert "\n" not in message and len(message) < 400, message
    for word in words:
        assert word in message, message
    return message


@pytest.mark.parametrize("case", list(MODEL_FILES))
def test_a_bad_model_file_is_bad_input_naming_it(tmp_path, booster, case):
    archive = _archive(tmp_path / "model.tar.gz", {"xgboost-model": MODEL_FILES[case](booster)})
    _refused(archive, f"{archive}: xgboost-model")
    with pytest.raises(InvalidInput):
        validate_model(archive)


@pytest.mark.parametrize("with_manifest", [False, True])
@pytest.mark.parametrize("case", ["empty", "children outside the tree", "truncated UBJSON"])
def test_transform_command_refuses_a_bad_model_without_crashing(
    tmp_path, booster, case, with_manifest
):
    files = {"xgboost-model": MODEL_FILES[case](booster)}
    if with_manifest:
        files["batchops-model.json"] = ModelManifest(list("abcd"), 4).to_json().encode()
    archive = _archive(tmp_path / "model.tar.gz", files)
    (tmp_path / "in.csv").write_text("1,2,3,4\n5,6,7,8\n")
    result = run_batchops(
        "transform",
        *("--model", str(archive), "--input", str(tmp_path / "in.csv")),
        *("--output", str(tmp_path / "out"), "--workers", "1"),
    )
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and f"{archive}: xgboost-model" in lines[0], result.stderr


def test_validate_model_describes_a_good_model(tmp_path, booster):
    archive = _archive(tmp_path / "model.tar.gz", {"xgboost-model": bytes(booster.save_raw("ubj"))})
    manifest = validate_model(archive)
    assert manifest.n_features == 4
    assert manifest.objective == "binary:logistic"


# --- the archive ---------------------------------------------------------------------------


def test_manifest_claiming_a_billion_features(tmp_path):
    manifest = json.dumps({"n_features": 1_000_000_000}).encode()
    archive = _archive(tmp_path / "model.tar.gz", {"batchops-model.json": manifest})
    assert archive.stat().st_size < 400
    _refused(archive, "batchops-model.json", "1000000000 features", "BATCHOPS_MAX_MODEL_FEATURES")


def test_manifest_fields_are_bounded(tmp_path, booster):
    model = bytes(booster.save_raw("json"))
    for manifest, words in [
        ({"feature_names": ["x" * 5000, "b", "c", "d"]}, ["longer than 1024"]),
        ({"n_features": 4, "loader": "batchops.models." + "x" * 1000}, ["loader"]),
        ({"n_features": 4, "header": "yes"}, ["header"]),
        ({"n_features": 4, "format_version": [1] * 100_000}, ["format_version list"]),
    ]:
        archive = _archive(
            tmp_path / "model.tar.gz",
            {"xgboost-model": model, "batchops-model.json": json.dumps(manifest).encode()},
        )
        _refused(archive, "batchops-model.json", *words)


def test_deeply_nested_manifest(tmp_path):
    deep = b"[" * 100_000 + b"]" * 100_000
    archive = _archive(tmp_path / "model.tar.gz", {"batchops-model.json": deep})
    _refused(archive, "batchops-model.json", "nested too deeply")
    result = run_batchops(
        "transform",
        *("--model", str(archive), "--input", str(tmp_path / "model.tar.gz")),
        *("--output", str(tmp_path / "out")),
    )
    assert result.returncode == 2 and "nested too deeply" in result.stderr
    assert "Traceback" not in result.stderr


def _zeros_gzip(tar_header: bytes, zeros: int) -> bytes:
    """A gzip of a tar header then `zeros` zero bytes, compressed a chunk at a time."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)
    chunks = [packer.compress(tar_header)]
    chunk = bytes(1 << 20)
    for _ in range(zeros // len(chunk)):
        chunks.append(packer.compress(chunk))
    chunks.append(packer.flush())
    return b"".join(chunks)


def test_gzip_bomb_stops_at_the_byte_limit(tmp_path, monkeypatch):
    monkeypatch.setenv("BATCHOPS_MAX_MODEL_BYTES", str(1 << 20))
    info = tarfile.TarInfo("xgboost-model")
    info.size = 16 << 20
    bomb = tmp_path / "model.tar.gz"
    bomb.write_bytes(_zeros_gzip(info.tobuf(), 16 << 20))
    assert bomb.stat().st_size < 100_000
    _refused(bomb, str(bomb), "more than 1048576 bytes", "BATCHOPS_MAX_MODEL_BYTES")


def test_members_claiming_two_gib_each(tmp_path):
    headers = b""
    for name in ("xgboost-model", "other"):
        info = tarfile.TarInfo(name)
        info.size = (2 << 30) - 512
        headers += info.tobuf()
    archive = tmp_path / "model.tar.gz"
    archive.write_bytes(gzip.compress(headers + bytes(1024)))
    _refused(archive, "more than 1073741824 bytes")


def test_a_million_members_are_not_listed(tmp_path, monkeypatch):
    monkeypatch.setenv("BATCHOPS_MAX_MODEL_MEMBERS", "1000")
    members = [_file(f"part-{i:05d}", b"")[0] for i in range(10_000)]
    archive = _tar(tmp_path / "model.tar.gz", members)
    _refused(archive, "more than 1000 members", "BATCHOPS_MAX_MODEL_MEMBERS")
    monkeypatch.setenv("BATCHOPS_MAX_MODEL_MEMBERS", "20000")
    message = _refused(archive, "has no xgboost-model", "part-00000", "and 9995 more")
    assert "part-09999" not in message


@pytest.mark.parametrize("kind", [tarfile.SYMTYPE, tarfile.LNKTYPE])
def test_link_members_are_refused(tmp_path, kind):
    link = tarfile.TarInfo("xgboost-model")
    link.type = kind
    link.linkname = "/etc/passwd"
    archive = _tar(tmp_path / "model.tar.gz", [link])
    _refused(archive, "xgboost-model is a link")


def test_an_invalid_limit_setting_is_bad_input(tmp_path, monkeypatch, booster):
    archive = _archive(
        tmp_path / "model.tar.gz", {"xgboost-model": bytes(booster.save_raw("json"))}
    )
    monkeypatch.setenv("BATCHOPS_MAX_MODEL_BYTES", "lots")
    _refused(archive, "BATCHOPS_MAX_MODEL_BYTES must be a positive whole number")


# --- a folder ------------------------------------------------------------------------------


def test_folder_manifest_cannot_name_a_file_outside(tmp_path, booster):
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "m").write_bytes(bytes(booster.save_raw("json")))
    folder = tmp_path / "model"
    folder.mkdir()
    manifest = {"n_features": 4, "model_file": "../other/m"}
    (folder / "batchops-model.json").write_text(json.dumps(manifest))
    _refused(folder, "model_file must be a plain file name", "'../other/m'")


@pytest.mark.parametrize("name", ["xgboost-model", "model.tar.gz", "batchops-model.json"])
def test_folder_with_a_symbolic_link_is_refused(tmp_path, booster, name):
    outside = tmp_path / "outside"
    if name == "model.tar.gz":
        _archive(outside, {"xgboost-model": bytes(booster.save_raw("json"))})
    elif name == "xgboost-model":
        outside.write_bytes(bytes(booster.save_raw("json")))
    else:
        outside.write_text(ModelManifest(list("abcd"), 4).to_json())
        (tmp_path / "model").mkdir()
        (tmp_path / "model" / "xgboost-model").write_bytes(bytes(booster.save_raw("json")))
    folder = tmp_path / "model"
    folder.mkdir(exist_ok=True)
    os.symlink(outside, folder / name)
    _refused(folder, name, "symbolic link")
