"""`--dask` on the commands: an unreachable cluster, Dask not installed, the step setting."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from batchops.data.cluster import missing_paths, require_visible
from batchops.errors import InvalidInput
from batchops.pipeline.steps.quality_check import QualityCheckArguments
from batchops.pipeline.steps.transform import Transformer
from monitor.conftest import write_csv

SRC = str(Path(__file__).resolve().parents[2] / "src")


def _batchops(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "batchops.cli.main", *args],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": SRC, **(env or {})},
        timeout=120,
    )


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_an_unreachable_scheduler_is_one_line_naming_it_and_exit_2(tmp_path: Path) -> None:
    data = write_csv(tmp_path / "d.csv", {"a": [1, 2, 3]})
    address = f"tcp://127.0.0.1:{_closed_port()}"
    result = _batchops("baseline", str(data), "--out", str(tmp_path / "out"), "--dask", address)
    assert result.returncode == 2
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and address in lines[0] and "Dask scheduler" in lines[0]
    assert not (tmp_path / "out" / "statistics.json").exists()


def test_the_address_may_come_from_the_environment(tmp_path: Path) -> None:
    data = write_csv(tmp_path / "d.csv", {"a": [1, 2, 3]})
    address = f"tcp://127.0.0.1:{_closed_port()}"
    result = _batchops(
        "baseline", str(data), "--out", str(tmp_path / "o"), env={"BATCHOPS_DASK_ADDRESS": address}
    )
    assert result.returncode == 2 and address in result.stderr


def test_dask_without_distributed_installed_names_the_extra(tmp_path: Path) -> None:
    fake = tmp_path / "site"
    (fake / "distributed").mkdir(parents=True)
    (fake / "distributed" / "__init__.py").write_text("raise ImportError('not installed')\n")
    data = write_csv(tmp_path / "d.csv", {"a": [1, 2, 3]})
    model = tmp_path / "model.tar.gz"
    model.write_bytes(b"not read: the extra is looked for first")
    for command in (
        ["baseline", str(data), "--out", str(tmp_path / "o")],
        ["transform", "--model", str(model), "--input", str(data), "--output", str(tmp_path)],
    ):
        result = subprocess.run(
            [sys.executable, "-m", "batchops.cli.main", *command, "--dask", "local"],
            capture_output=True,
            text=True,
            env={**os.environ, "PYTHONPATH": f"{fake}{os.pathsep}{SRC}"},
            timeout=120,
        )
        assert result.returncode == 2, result.stderr
        assert "pip install 'batchops[dask]'" in result.stderr
        assert "distributed" in result.stderr


def test_a_local_path_the_workers_cannot_see_is_refused_by_name(
    tmp_path: Path, dask_address: str
) -> None:
    import distributed

    seen = write_csv(tmp_path / "seen.csv", {"a": [1]})
    with distributed.Client(dask_address) as client:
        require_visible(client, dask_address, [str(seen)])  # the workers see this machine
        unseen = "/nonexistent/laptop/data.csv"
        with pytest.raises(InvalidInput, match=r"/nonexistent/laptop/data\.csv: the Dask workers"):
            require_visible(client, dask_address, [str(seen), unseen, "s3://bucket/x.csv"])
    assert missing_paths([str(seen), unseen]) == [unseen]


def test_the_step_setting_is_stored_only_when_set() -> None:
    plain = QualityCheckArguments(baseline_dataset="s3://b/d.csv")
    assert "Dask" not in plain.to_json()
    on_dask = QualityCheckArguments(baseline_dataset="s3://b/d.csv", dask="tcp://s:8786")
    assert QualityCheckArguments.from_json(on_dask.to_json()).dask == "tcp://s:8786"
    assert "Dask" not in Transformer(model_data="m").to_json()
    transformer = Transformer(model_data="m", dask="local")
    assert Transformer.from_json(transformer.to_json()) == transformer
