"""Transform on a real Dask cluster: the local run's outputs and manifest, byte for byte."""

from __future__ import annotations

import gzip
import json
import os
import signal
import threading
import time
from pathlib import Path
from typing import Any

import distributed
import pytest

from batchops.store.outputs import verify_output
from batchops.transform import transform
from transform.transform_data import Dataset, make_dataset


@pytest.fixture(scope="module")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> Dataset:
    return make_dataset(tmp_path_factory.mktemp("dask-transform"))


@pytest.fixture(scope="module")
def inputs(dataset: Dataset, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder of a large file (cut into partitions) and two small ones, one compressed."""
    root = tmp_path_factory.mktemp("dask-inputs")
    plain = (dataset.root / "plain.csv").read_bytes()
    (root / "big.csv").write_bytes(plain * 20)
    (root / "small.csv").write_bytes(plain)
    (root / "packed.csv.gz").write_bytes(gzip.compress(plain))
    return root


def _files(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


def _manifest_files(folder: Path) -> list[dict[str, Any]]:
    manifest = json.loads((folder / "_batchops_manifest.json").read_text())
    assert manifest["complete"] is True
    return list(manifest["files"])


def test_dask_predictions_and_manifest_equal_the_local_ones(
    dataset: Dataset, inputs: Path, tmp_path: Path, dask_address: str
) -> None:
    here = transform(dataset.model, inputs, tmp_path / "here", workers=0, max_bytes_per_batch=4096)
    there = transform(
        dataset.model, inputs, tmp_path / "there", dask=dask_address, max_bytes_per_batch=4096
    )
    assert there.rows == here.rows == 3000 * 22
    assert _files(tmp_path / "there").keys() == _files(tmp_path / "here").keys()
    for name, data in _files(tmp_path / "here").items():
        if name != "_batchops_manifest.json":
            assert _files(tmp_path / "there")[name] == data, name
    assert _manifest_files(tmp_path / "there") == _manifest_files(tmp_path / "here")
    assert verify_output(tmp_path / "there").is_complete


def test_bad_records_are_named_by_file_and_line_as_locally(
    dataset: Dataset, tmp_path: Path, dask_address: str
) -> None:
    lines = (dataset.root / "plain.csv").read_text().splitlines()
    lines[2500] = "1,2,three,4"
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "bad.csv").write_text("\n".join(lines) + "\n")
    messages = []
    for place in ({"workers": 0}, {"dask": dask_address}):
        with pytest.raises(Exception) as caught:
            transform(
                dataset.model, tmp_path / "in", tmp_path / "out", max_bytes_per_batch=4096, **place
            )
        messages.append(str(caught.value))
    assert messages[1] == messages[0]
    assert "bad.csv, line 2501" in messages[0]


def test_a_worker_killed_mid_job_leaves_a_complete_output_identical_to_a_clean_run(
    dataset: Dataset, inputs: Path, tmp_path: Path, dask_address: str
) -> None:
    clean = tmp_path / "clean"
    transform(dataset.model, inputs, clean, dask=dask_address, max_bytes_per_batch=2048)
    with distributed.Client(dask_address) as client:
        pids = client.run(os.getpid)
        killed: list[int] = []

        def kill_a_busy_worker() -> None:
            # Wait until a scoring task is running, then kill its worker's process outright.
            for _ in range(2000):
                busy = [w for w, keys in client.processing().items() if keys]
                if busy:
                    os.kill(pids[busy[0]], signal.SIGKILL)
                    killed.append(pids[busy[0]])
                    return
                time.sleep(0.005)

        killer = threading.Thread(target=kill_a_busy_worker)
        killer.start()
        transform(
            dataset.model, inputs, tmp_path / "killed", dask=dask_address, max_bytes_per_batch=2048
        )
        killer.join()
        assert killed, "no worker was busy to kill"
        client.wait_for_workers(2, timeout=60)  # the nanny restarts it, for the next tests
    assert _files(tmp_path / "killed").keys() == _files(clean).keys()
    for name, data in _files(clean).items():
        if name != "_batchops_manifest.json":
            assert _files(tmp_path / "killed")[name] == data, name
    assert _manifest_files(tmp_path / "killed") == _manifest_files(clean)
