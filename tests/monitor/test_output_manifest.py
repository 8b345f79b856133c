"""The monitor's outputs are output sets with a manifest; a baseline made by batchops is used
only when the manifest vouches for its files, one brought from elsewhere as it is."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from batchops.monitor import baseline, check
from batchops.store.outputs import MANIFEST_NAME, IncompleteOutput, OutputStatus, verify_output

from .conftest import write_csv


def _data(path: Path, seed: int = 1) -> Path:
    rng = np.random.default_rng(seed)
    return write_csv(path, {"x": rng.normal(size=500), "plan": rng.choice(["a", "b"], 500)})


def _manifest(folder: Path) -> dict:
    return json.loads((folder / MANIFEST_NAME).read_text())


def test_baseline_and_check_outputs_get_complete_manifests(tmp_path: Path) -> None:
    made = baseline(_data(tmp_path / "train.csv"), tmp_path / "base")
    base = _manifest(tmp_path / "base")
    assert base["kind"] == "baseline" and base["complete"] is True
    assert [f["name"] for f in base["files"]] == ["statistics.json", "constraints.json"]
    assert verify_output(tmp_path / "base").status == OutputStatus.COMPLETE

    check(
        _data(tmp_path / "batch.csv", seed=2),
        statistics=made.statistics_uri,
        constraints=made.constraints_uri,
        out_dir=tmp_path / "check",
    )
    checked = _manifest(tmp_path / "check")
    assert checked["kind"] == "check"
    assert sorted(f["name"] for f in checked["files"]) == [
        "constraint_violations.json",
        "metrics.json",
        "report.html",
        "statistics.json",
    ]
    assert verify_output(tmp_path / "check").status == OutputStatus.COMPLETE


def test_a_tampered_baseline_made_by_batchops_is_refused(tmp_path: Path) -> None:
    made = baseline(_data(tmp_path / "train.csv"), tmp_path / "base")
    statistics = Path(made.statistics_uri)
    statistics.write_text(statistics.read_text().replace('"name"', '"name" ', 1))

    with pytest.raises(IncompleteOutput, match=r"statistics\.json: size differs"):
        check(
            _data(tmp_path / "batch.csv"),
            statistics=made.statistics_uri,
            constraints=made.constraints_uri,
            out_dir=tmp_path / "check",
        )
    assert not (tmp_path / "check").exists()


def test_a_baseline_without_a_manifest_is_read_as_it_is(tmp_path: Path) -> None:
    made = baseline(_data(tmp_path / "train.csv"), tmp_path / "base")
    brought = tmp_path / "brought"
    brought.mkdir()
    shutil.copy(made.statistics_uri, brought / "statistics.json")
    shutil.copy(made.constraints_uri, brought / "constraints.json")
    (brought / "constraints.json").write_text(  # hand-edited, as users do
        (brought / "constraints.json").read_text().replace("1.0", "1.00")
    )
    result = check(
        _data(tmp_path / "batch.csv"),
        statistics=brought / "statistics.json",
        constraints=brought / "constraints.json",
        out_dir=tmp_path / "check",
    )
    assert result.row_count == 500


def test_sagemakers_own_baseline_files_are_read_without_a_manifest(
    model_monitor: Path, tmp_path: Path
) -> None:
    quality = model_monitor / "data-quality"
    assert not (quality / MANIFEST_NAME).exists()
    result = check(
        quality / "baseline_dataset.csv",
        statistics=quality / "statistics.json",
        constraints=quality / "good_cases" / "constraints.json",
        out_dir=tmp_path / "out",
    )
    assert result.row_count > 0
    assert verify_output(tmp_path / "out").status == OutputStatus.COMPLETE
