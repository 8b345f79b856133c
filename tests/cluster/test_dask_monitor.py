"""Baselines and checks on a real Dask cluster equal those made in one process."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from batchops.data import csv as data_csv
from batchops.monitor import baseline, check
from monitor.conftest import write_csv


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder of two files, the first large enough to be cut into byte-range parts."""
    root = tmp_path_factory.mktemp("dask-monitor") / "data"
    root.mkdir()
    rng = np.random.default_rng(7)
    for name, count in (("a.csv", 60_000), ("b.csv", 9_000)):
        write_csv(
            root / name,
            {
                "amount": rng.gamma(2.0, 30.0, count).round(3),
                "calls": rng.integers(0, 20, count),
                "plan": rng.choice(["basic", "plus", "pro"], count),
                "city": [f"c{i}" for i in rng.integers(0, 5000, count)],
            },
        )
    return root


@pytest.fixture(scope="module")
def drifted(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A batch unlike the data: amounts tripled, a new plan, missing calls."""
    rng = np.random.default_rng(8)
    count = 50_000
    calls: list[int | None] = [int(v) for v in rng.integers(0, 20, count)]
    calls[::7] = [None] * len(calls[::7])
    return write_csv(
        tmp_path_factory.mktemp("dask-drifted") / "batch.csv",
        {
            "amount": rng.gamma(2.0, 90.0, count).round(3),
            "calls": calls,
            "plan": rng.choice(["basic", "plus", "pro", "gold"], count),
            "city": [f"c{i}" for i in rng.integers(0, 5000, count)],
        },
    )


@pytest.fixture
def small_parts(monkeypatch: pytest.MonkeyPatch) -> None:
    # Parts of 256 KiB, so the test's file is cut as a large one is (a real run: 8 MiB).
    monkeypatch.setattr(data_csv, "MIN_PART_BYTES", 256 << 10)
    monkeypatch.setattr(data_csv.split_parts, "__defaults__", (256 << 10,))


def test_a_baseline_on_dask_is_byte_identical_to_one_made_here(
    data: Path, tmp_path: Path, dask_address: str, small_parts: None
) -> None:
    here = baseline(data, tmp_path / "here")
    there = baseline(data, tmp_path / "there", dask=dask_address)
    for name in ("statistics.json", "constraints.json"):
        assert (tmp_path / "there" / name).read_bytes() == (tmp_path / "here" / name).read_bytes()
    assert there.row_count == here.row_count == 69_000
    manifest = json.loads((tmp_path / "there" / "_batchops_manifest.json").read_text())
    assert [f["name"] for f in manifest["files"]] == ["statistics.json", "constraints.json"]


def test_a_check_on_dask_finds_the_violations_found_here(
    data: Path, drifted: Path, tmp_path: Path, dask_address: str, small_parts: None
) -> None:
    reference = baseline(data, tmp_path / "baseline")
    arguments = {
        "statistics": reference.statistics_uri,
        "constraints": reference.constraints_uri,
    }
    here = check(drifted, out_dir=tmp_path / "here", **arguments)
    there = check(drifted, out_dir=tmp_path / "there", dask=dask_address, **arguments)
    assert here.violations and [v.to_dict() for v in there.violations] == [
        v.to_dict() for v in here.violations
    ]
    for name in ("statistics.json", "constraint_violations.json", "metrics.json"):
        assert (tmp_path / "there" / name).read_bytes() == (tmp_path / "here" / name).read_bytes()


def test_a_column_turning_to_text_in_a_later_part_is_read_again_on_dask(
    tmp_path: Path, dask_address: str, small_parts: None
) -> None:
    values = [str(i % 97) for i in range(40_000)] + ["n/a"] * 10
    path = write_csv(tmp_path / "turns.csv", {"code": values, "n": list(range(40_010))})
    here = baseline(path, tmp_path / "here")
    there = baseline(path, tmp_path / "there", dask=dask_address)
    assert there.statistics.feature("code").inferred_type == "String"
    assert there.statistics.to_dict() == here.statistics.to_dict()
