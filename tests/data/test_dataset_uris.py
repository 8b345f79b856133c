"""One dataset URI means the same rows to `batchops baseline`, `monitor` and `transform`.

Each input kind a user points the commands at (a gzipped CSV, a Spark output folder with its
part files and markers, JSON Lines, Parquet) is run through the real command line.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import numpy as np
import polars as pl
import pytest
import xgboost

from batchops.models import ModelManifest, pack_model
from support.cli import run_batchops

FEATURES = ["tenure", "calls", "minutes", "plan"]
ROWS = 500
KINDS = ["csv.gz", "spark-folder", "jsonl", "parquet"]
COMMANDS = ["baseline", "monitor", "transform"]


def _features(seed: int = 3) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.column_stack(
        [
            rng.integers(1, 200, ROWS),
            rng.integers(0, 10, ROWS),
            rng.gamma(2.0, 3.0, ROWS).round(2),
            rng.integers(0, 2, ROWS),
        ]
    ).astype(np.float32)


def _csv(rows: np.ndarray) -> str:
    lines = [",".join(FEATURES)]
    lines += [",".join(f"{v:g}" for v in row) for row in rows.tolist()]
    return "\n".join(lines) + "\n"


def write_dataset(kind: str, root: Path, rows: np.ndarray) -> tuple[Path, list[str]]:
    """The dataset in `kind`'s form under `root`, and the names of its data files."""
    root.mkdir(parents=True, exist_ok=True)
    if kind == "csv.gz":
        (root / "batch.csv.gz").write_bytes(gzip.compress(_csv(rows).encode()))
        return root / "batch.csv.gz", ["batch.csv.gz"]
    if kind == "spark-folder":
        folder = root / "batch"
        folder.mkdir()
        half = len(rows) // 2
        names = [
            "part-00000-6a1c9e2f-4b1d-4c0e-9b7a-2f1d3e4c5b6a-c000.csv",
            "part-00001-6a1c9e2f-4b1d-4c0e-9b7a-2f1d3e4c5b6a-c000.csv",
        ]
        (folder / names[0]).write_text(_csv(rows[:half]))
        (folder / names[1]).write_text(_csv(rows[half:]))
        (folder / "_SUCCESS").write_text("")
        (folder / "_committed_4242").write_text('{"added":[],"removed":[]}')
        (folder / f".{names[0]}.crc").write_bytes(b"crc\x00\x01")
        (folder / "schema.json").write_text(json.dumps({"fields": FEATURES}))
        return folder, names
    if kind == "jsonl":
        path = root / "batch.jsonl"
        records = [dict(zip(FEATURES, row, strict=True)) for row in rows.tolist()]
        path.write_text("".join(json.dumps(record) + "\n" for record in records))
        return path, ["batch.jsonl"]
    path = root / "batch.parquet"
    pl.DataFrame({n: rows[:, i] for i, n in enumerate(FEATURES)}).write_parquet(path)
    return path, ["batch.parquet"]


@pytest.fixture(scope="module")
def model(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, xgboost.Booster]:
    features = _features(seed=1)
    labels = (features[:, 2] + 2 * features[:, 1] - 8 * features[:, 3] > 10).astype(np.float32)
    booster = xgboost.train(
        {"objective": "binary:logistic", "max_depth": 3, "seed": 1},
        xgboost.DMatrix(features, label=labels),
        num_boost_round=5,
    )
    manifest = ModelManifest(feature_names=FEATURES, n_features=len(FEATURES))
    path = tmp_path_factory.mktemp("model") / "model.tar.gz"
    path.write_bytes(
        pack_model(
            {
                "xgboost-model": bytes(booster.save_raw("json")),
                "batchops-model.json": manifest.to_json().encode(),
            }
        )
    )
    return path, booster


def _ok(*args: str) -> dict[str, object]:
    done = run_batchops(*args, "--json")
    assert done.returncode == 0, done.stderr
    result: dict[str, object] = json.loads(done.stdout)
    return result


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("kind", KINDS)
def test_every_command_reads_every_kind_of_dataset_alike(
    kind: str, command: str, tmp_path: Path, model: tuple[Path, xgboost.Booster]
) -> None:
    rows = _features()
    data, data_files = write_dataset(kind, tmp_path / "in", rows)
    if command == "transform":
        model_path, booster = model
        options = ["--input-filter", f"$[{','.join(repr(n) for n in FEATURES)}]"]
        result = _ok(
            "transform", "--model", str(model_path), "--input", str(data),
            "--output", str(tmp_path / "out"), "--workers", "1",
            *(options if kind == "jsonl" else []),
        )  # fmt: skip
        assert result["rows"] == ROWS
        outputs = [Path(str(uri)) for uri in result["output_files"]]  # type: ignore[attr-defined]
        assert [p.name for p in outputs] == [f"{name}.out" for name in data_files]
        scored = [float(line) for p in outputs for line in p.read_text().splitlines()]
        np.testing.assert_allclose(scored, booster.inplace_predict(rows), rtol=1e-6)
        return
    made = _ok("baseline", str(data), "--out", str(tmp_path / "base"))
    assert made["rows"] == ROWS
    features = made["features"]
    assert [f["name"] for f in features] == FEATURES  # type: ignore[attr-defined]
    assert [f["inferred_type"] for f in features][2] == "Fractional"  # type: ignore[attr-defined]
    if command == "monitor":
        checked = _ok(
            "monitor", str(data),
            "--statistics", str(tmp_path / "base" / "statistics.json"),
            "--constraints", str(tmp_path / "base" / "constraints.json"),
            "--out", str(tmp_path / "check"),
        )  # fmt: skip
        assert checked["rows"] == ROWS
        assert checked["violations"] == []


@pytest.mark.parametrize("command", ["baseline", "transform"])
def test_a_short_row_in_a_gzipped_file_reads_the_same_error_everywhere(
    command: str, tmp_path: Path, model: tuple[Path, xgboost.Booster]
) -> None:
    lines = _csv(_features()).splitlines()
    lines[300] = "7,1,2.5"
    data = tmp_path / "bad.csv.gz"
    data.write_bytes(gzip.compress(("\n".join(lines) + "\n").encode()))
    if command == "baseline":
        done = run_batchops("baseline", str(data), "--out", str(tmp_path / "base"))
    else:
        done = run_batchops(
            "transform", "--model", str(model[0]), "--input", str(data),
            "--output", str(tmp_path / "out"), "--workers", "0",
        )  # fmt: skip
    assert done.returncode == 2, done.stderr
    assert f"{data}, line 301: expected 4 fields, found 3" in " ".join(done.stderr.split())
