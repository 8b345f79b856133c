"""An output set is whole or visibly not: the manifest written last, and what verifying says."""

from __future__ import annotations

import hashlib
import json
import os
import time
from pathlib import Path

import pytest

from batchops.errors import InvalidInput
from batchops.store.outputs import (
    MANIFEST_NAME,
    IncompleteOutput,
    OutputStatus,
    Problem,
    begin_output,
    entry_for_bytes,
    read_manifest,
    require_complete,
    require_complete_file,
    verify_output,
)
from support.cli import run_batchops


def _write_set(folder: Path, files: dict[str, bytes], kind: str = "test") -> None:
    """What a job does: mark the folder unfinished, write the files, seal it."""
    writing = begin_output(folder, kind, files, model={"uri": "m.tar.gz"})
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(data)
    writing.finish(
        [entry_for_bytes(name, data, rows=data.count(b"\n")) for name, data in files.items()]
    )


def _problems(folder: Path) -> dict[str, Problem]:
    return {p.name: p.problem for p in verify_output(folder).problems}


def test_a_finished_set_is_complete_and_its_manifest_names_every_file(tmp_path: Path) -> None:
    out = tmp_path / "out"
    _write_set(out, {"a.out": b"1\n2\n", "sub/b.out": b"3\n"})

    state = verify_output(out)
    assert state.status == OutputStatus.COMPLETE and state.problems == ()
    written = json.loads((out / MANIFEST_NAME).read_text())
    assert written["complete"] is True and written["kind"] == "test"
    assert written["model"] == {"uri": "m.tar.gz"}
    assert written["files"][0] == {
        "name": "a.out",
        "rows": 2,
        "bytes": 4,
        "sha256": hashlib.sha256(b"1\n2\n").hexdigest(),
    }
    assert [f["name"] for f in written["files"]] == ["a.out", "sub/b.out"]


def test_a_folder_without_a_manifest_is_absent_and_readers_take_it_as_it_is(
    tmp_path: Path,
) -> None:
    (tmp_path / "data.csv").write_text("1,2\n")
    assert verify_output(tmp_path).status == OutputStatus.ABSENT
    assert require_complete(tmp_path, "the data").status == OutputStatus.ABSENT
    require_complete_file(tmp_path / "data.csv", "the data")  # no error


def test_a_tampered_file_is_named_as_not_matching_its_digest(tmp_path: Path) -> None:
    out = tmp_path / "out"
    _write_set(out, {"a.out": b"1\n2\n", "b.out": b"3\n"})
    (out / "b.out").write_bytes(b"4\n")  # same size, other bytes

    assert _problems(out) == {"b.out": Problem.DIGEST}
    assert verify_output(out, digests=False).status == OutputStatus.COMPLETE  # sizes only
    with pytest.raises(IncompleteOutput, match=r"b\.out: sha256 differs"):
        require_complete_file(out / "b.out", "the predictions")
    require_complete_file(out / "a.out", "the predictions")  # the other file is vouched for


def test_missing_resized_and_extra_files_are_named(tmp_path: Path) -> None:
    out = tmp_path / "out"
    _write_set(out, {"a.out": b"1\n", "b.out": b"2\n"})
    (out / "a.out").unlink()
    (out / "b.out").write_bytes(b"22\n")
    (out / "c.out").write_bytes(b"3\n")
    (out / ".hidden.tmp").write_bytes(b"temporary files are not part of a set")

    assert _problems(out) == {
        "a.out": Problem.MISSING,
        "b.out": Problem.SIZE,
        "c.out": Problem.EXTRA,
    }
    with pytest.raises(IncompleteOutput) as refused:
        require_complete(out, "the batch")
    message = str(refused.value)
    assert message.startswith("cannot use the batch: ")
    assert "a.out: missing" in message and "c.out: extra" in message
    assert f"batchops outputs verify {out}" in message


def test_an_unfinished_rerun_is_partial_naming_new_and_old_files(tmp_path: Path) -> None:
    out = tmp_path / "out"
    _write_set(out, {"a.out": b"old a\n", "b.out": b"old b\n", "c.out": b"old c\n"})
    for name in ("a.out", "b.out", "c.out"):  # written by an earlier run, an hour ago
        os.utime(out / name, (time.time() - 3600, time.time() - 3600))
    begin_output(out, "test", ["a.out", "b.out"])  # the re-run starts, then dies after a.out
    (out / "a.out").write_bytes(b"new a\n")

    state = verify_output(out)
    assert state.status == OutputStatus.PARTIAL
    assert not state.manifest.complete  # type: ignore[union-attr]
    assert _problems(out) == {"a.out": Problem.NEW, "b.out": Problem.OLD, "c.out": Problem.OLD}
    assert "did not finish" in state.describe() and "a.out: written by the unfinished run" in (
        state.describe()
    )


def test_a_rerun_removes_the_earlier_sets_files_it_does_not_make(tmp_path: Path) -> None:
    out = tmp_path / "out"
    _write_set(out, {"a.out": b"1\n", "b.out": b"2\n", "c.out": b"3\n"})
    begin_output(out, "test", ["a.out", "b.out"])  # a run killed before writing anything
    _write_set(out, {"a.out": b"1\n"})  # the next run still knows b and c were the old set's

    assert sorted(p.name for p in out.iterdir()) == [MANIFEST_NAME, "a.out"]
    assert verify_output(out).status == OutputStatus.COMPLETE


def test_a_set_of_another_kind_in_the_same_folder_is_not_removed(tmp_path: Path) -> None:
    out = tmp_path / "out"
    _write_set(out, {"statistics.json": b"{}", "constraints.json": b"{}"}, kind="baseline")
    _write_set(out, {"statistics.json": b"{ }", "report.html": b"<p>"}, kind="check")

    assert (out / "constraints.json").exists()
    assert _problems(out) == {"constraints.json": Problem.EXTRA}
    require_complete_file(out / "statistics.json", "the statistics")  # a file of the set


def test_a_run_that_fails_before_replacing_a_file_leaves_the_earlier_set_trusted(
    tmp_path: Path,
) -> None:
    out = tmp_path / "out"
    _write_set(out, {"a.out": b"1\n"})
    before = read_manifest(out)
    begin_output(out, "test", ["a.out"]).abandon(touched=False)
    assert read_manifest(out) == before
    assert verify_output(out).status == OutputStatus.COMPLETE

    fresh = tmp_path / "fresh"
    begin_output(fresh, "test", ["a.out"]).abandon(touched=False)
    assert not (fresh / MANIFEST_NAME).exists()


def test_a_damaged_manifest_is_one_clear_error(tmp_path: Path) -> None:
    (tmp_path / MANIFEST_NAME).write_text('{"format_version": 1, "files": "nope"}')
    with pytest.raises(InvalidInput, match=r"output manifest \(files must be a list"):
        verify_output(tmp_path)


def test_outputs_verify_command_exit_codes_and_json(tmp_path: Path) -> None:
    out = tmp_path / "out"
    _write_set(out, {"a.out": b"1\n", "b.out": b"2\n"})

    complete = run_batchops("outputs", "verify", str(out))
    assert complete.returncode == 0, complete.stderr
    assert complete.stdout.startswith("complete ")

    (out / "b.out").write_bytes(b"3\n")
    partial = run_batchops("outputs", "verify", str(out), "--json")
    assert partial.returncode == 1
    found = json.loads(partial.stdout)
    assert found["status"] == "partial"
    assert found["problems"] == [{"name": "b.out", "problem": "sha256 differs"}]
    assert run_batchops("outputs", "verify", str(out), "--quick").returncode == 0

    plain = tmp_path / "plain"
    plain.mkdir()
    absent = run_batchops("outputs", "verify", str(plain))
    assert absent.returncode == 2 and "no batchops output manifest" in absent.stdout
    missing = run_batchops("outputs", "verify", str(tmp_path / "nope"))
    assert missing.returncode == 2 and "no such folder" in missing.stderr
