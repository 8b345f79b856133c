"""The artifact store on a real S3 API (moto's server): whole objects, output sets sealed by
their manifest, and a store that cannot be used named in one line."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import fsspec
import pytest

from batchops.store import artifacts, outputs
from batchops.store.outputs import MANIFEST_NAME, Manifest, OutputStatus, Problem
from support.cli import run_batchops
from support.s3 import SECRET_KEY, S3Server


def _objects(prefix: str) -> dict[str, bytes]:
    fs = fsspec.filesystem("s3")
    root = prefix.removeprefix("s3://").rstrip("/")
    return {name[len(root) + 1 :]: fs.cat_file(name) for name in fs.find(root)}


def _folder(tmp_path: Path, files: dict[str, bytes]) -> Path:
    folder = tmp_path / f"set-{len(list(tmp_path.iterdir()))}"
    for name, data in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(data)
    return folder


def _described(folder: Path) -> Manifest:
    return outputs.describe_folder(folder, "test", execution_id="e1", step="S")


def test_files_are_written_read_and_replaced_whole(s3_bucket: str) -> None:
    uri = f"s3://{s3_bucket}/a/b/file.json"
    artifacts.write_text(uri, '{"v": 1}')
    with artifacts.atomic_open(f"s3://{s3_bucket}/a/big.bin", "wb") as handle:
        handle.write(b"x" * 100_000)
    assert artifacts.read_text(uri) == '{"v": 1}'
    assert artifacts.exists(uri) and not artifacts.exists(f"s3://{s3_bucket}/a/none")
    assert artifacts.file_digest(f"s3://{s3_bucket}/a/big.bin")[1] == 100_000

    with pytest.raises(RuntimeError), artifacts.atomic_open(uri, "w") as handle:
        handle.write('{"v": 2, "half')
        raise RuntimeError("the job died while writing")
    assert artifacts.read_text(uri) == '{"v": 1}'  # the failed write never reached the bucket
    assert sorted(_objects(f"s3://{s3_bucket}")) == ["a/b/file.json", "a/big.bin"]


def test_an_output_set_is_replaced_whole_and_sealed_by_its_manifest_written_last(
    s3_bucket: str, tmp_path: Path
) -> None:
    uri = f"s3://{s3_bucket}/out"
    first = _folder(tmp_path, {"a.csv": b"1\n", "sub/b.csv": b"2\n", "old.csv": b"3\n"})
    outputs.publish_output(first, uri, _described(first))
    assert outputs.verify_output(uri, digests=True).status == OutputStatus.COMPLETE

    second = _folder(tmp_path, {"a.csv": b"10\n", "sub/b.csv": b"20\n"})
    outputs.publish_output(second, uri, _described(second))
    state = outputs.verify_output(uri, digests=True)
    assert state.status == OutputStatus.COMPLETE, state.describe()
    assert sorted(_objects(uri)) == sorted(["a.csv", MANIFEST_NAME, "sub/b.csv"])  # old.csv removed
    assert _objects(uri)["a.csv"] == b"10\n"


def test_a_publish_that_dies_halfway_leaves_a_set_readers_refuse(
    s3_bucket: str, tmp_path: Path
) -> None:
    uri = f"s3://{s3_bucket}/out"
    first = _folder(tmp_path, {"a.csv": b"1,2\n", "b.csv": b"3,4\n"})
    outputs.publish_output(first, uri, _described(first))

    second = _folder(tmp_path, {"a.csv": b"5,6\n7,8\n"})
    # c.csv cannot be read (an I/O error from the kernel): the upload stops after a.csv
    os.symlink("/proc/self/mem", second / "c.csv")
    entries = (outputs.entry_for_bytes("a.csv", b"5,6\n7,8\n"), outputs.FileEntry("c.csv"))
    with pytest.raises(OSError):
        outputs.publish_output(second, uri, Manifest("test", entries, True, outputs.now_iso()))

    state = outputs.verify_output(uri)
    assert state.status == OutputStatus.PARTIAL
    assert state.manifest is not None and not state.manifest.complete
    assert {p.name: p.problem for p in state.problems} == {
        "a.csv": Problem.UNCONFIRMED,  # an object store keeps no times to tell new from old
        "b.csv": Problem.OLD,
        "c.csv": Problem.MISSING,
    }
    refused = run_batchops("baseline", uri, "--out", str(tmp_path / "baseline"), "--no-header")
    assert refused.returncode == 2
    assert "incomplete test output" in refused.stderr and uri in refused.stderr
    assert run_batchops("outputs", "verify", uri).returncode == 1


def test_a_store_that_cannot_be_used_is_one_line_naming_the_url_and_exit_2(
    s3_bucket: str, tmp_path: Path
) -> None:
    data = tmp_path / "d.csv"
    data.write_text("1,2\n3,4\n")
    wrong_bucket = run_batchops(
        *("pipeline", "start", "train-and-baseline", "-p", f"InputData={data}", "--wait"),
        env={"BATCHOPS_ARTIFACTS": "s3://no-such-bucket/batchops"},
    )
    no_credentials = run_batchops(
        *("baseline", f"s3://{s3_bucket}/in/d.csv", "--out", str(tmp_path / "b")),
        env={"AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": ""},
    )
    unreachable = run_batchops(
        *("baseline", str(data), "--no-header", "--out", f"s3://{s3_bucket}/report"),
        env={"AWS_ENDPOINT_URL": "http://127.0.0.1:9", "AWS_MAX_ATTEMPTS": "1"},
    )
    for result, url, says in [
        (
            wrong_bucket,
            "s3://no-such-bucket/batchops",
            "the bucket 'no-such-bucket' does not exist",
        ),
        (no_credentials, f"s3://{s3_bucket}/in/d.csv", "no credentials found"),
        (unreachable, f"s3://{s3_bucket}/report", "cannot connect to the object store at http"),
    ]:
        assert result.returncode == 2, result.stderr
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith(f"error: {url}"), result.stderr
        assert says in lines[0]
        assert SECRET_KEY not in result.stderr + result.stdout
    assert run_batchops("execution", "list", "--json").stdout.strip() == "[]"  # none recorded


def test_credentials_written_into_a_url_are_never_printed(s3_bucket: str) -> None:
    result = run_batchops("outputs", "verify", f"s3://AKIDEXAMPLE:{SECRET_KEY}@no-such-bucket/x")
    assert result.returncode == 2
    assert result.stderr.startswith("error: s3://***@no-such-bucket/x: credentials in the URL")
    assert SECRET_KEY not in result.stderr


def test_without_s3fs_the_extra_that_brings_it_is_named(s3_server: S3Server) -> None:
    blocked = "import sys; sys.modules['s3fs'] = None; from batchops.cli.main import run; run()"
    result = subprocess.run(
        [sys.executable, "-c", blocked, "outputs", "verify", "s3://bucket/x"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "the URL s3://bucket/x needs the Python package 's3fs'" in result.stderr
    assert "pip install 'batchops[s3]'" in result.stderr
