from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from transform_data import csv_lines, json_lines, read_predictions, score

from batchops.errors import InvalidInput, NotFound
from batchops.transform import transform


def test_predictions_match_the_model_in_order_across_many_batches(dataset, tmp_path):
    result = score(dataset, "plain.csv", tmp_path / "out", workers=2, max_bytes_per_batch=4096)
    assert result.rows == len(dataset.features)
    assert result.batches >= 10
    assert result.output_files == [str(tmp_path / "out" / "plain.csv.out")]
    got = read_predictions(result.output_files[0])
    assert len(got) == len(dataset.features)
    np.testing.assert_array_equal(got, dataset.expected())


def test_in_process_and_worker_outputs_are_byte_identical(dataset, tmp_path):
    here = score(dataset, "plain.csv", tmp_path / "a")
    there = score(
        dataset,
        "plain.csv",
        tmp_path / "b",
        workers=1,
        max_rows_per_batch=333,
        max_bytes_per_batch=20_000,
    )
    assert Path(here.output_files[0]).read_bytes() == Path(there.output_files[0]).read_bytes()


def test_join_source_appends_prediction_to_the_original_line(dataset, tmp_path):
    result = score(
        dataset, "plain.csv", tmp_path / "out", join_source=True, max_bytes_per_batch=5000
    )
    lines = Path(result.output_files[0]).read_text().splitlines()
    originals = csv_lines(dataset)
    assert [line.rpartition(",")[0] for line in lines] == originals
    np.testing.assert_array_equal(read_predictions(result.output_files[0]), dataset.expected())


def test_drop_id_for_the_model_and_keep_it_in_the_output(dataset, tmp_path):
    """SageMaker's example: input_filter $[1:], join_source, output_filter $[0,-1]."""
    result = score(
        dataset,
        "with_id.csv",
        tmp_path / "out",
        input_filter="$[1:]",
        join_source=True,
        output_filter="$[0,-1]",
    )
    lines = Path(result.output_files[0]).read_text().splitlines()
    assert [line.split(",")[0] for line in lines] == [f"c-{i}" for i in dataset.ids]
    assert all(line.count(",") == 1 for line in lines)
    np.testing.assert_array_equal(read_predictions(result.output_files[0]), dataset.expected())


def test_slices_include_their_end_like_sagemaker(dataset, tmp_path):
    """`$[1:4]` is the second through the fifth field: 4 features after the id."""
    result = score(dataset, "with_id.csv", tmp_path / "out", input_filter="$[1:4]")
    np.testing.assert_array_equal(read_predictions(result.output_files[0]), dataset.expected())


def test_header_is_detected_checked_and_not_scored(dataset, tmp_path):
    detected = score(dataset, "header.csv", tmp_path / "a")
    assert detected.rows == len(dataset.features)
    np.testing.assert_array_equal(read_predictions(detected.output_files[0]), dataset.expected())

    explicit = score(dataset, "header.csv", tmp_path / "b", header=True)
    assert (
        Path(explicit.output_files[0]).read_bytes() == Path(detected.output_files[0]).read_bytes()
    )
    with pytest.raises(InvalidInput, match=r"header\.csv, line 1: column 1: 'tenure'"):
        score(dataset, "header.csv", tmp_path / "c", header=False)

    renamed = tmp_path / "renamed.csv"
    text = (dataset.root / "header.csv").read_text()
    renamed.write_text(text.replace("calls", "visits", 1))
    with pytest.raises(
        InvalidInput, match="header field 2 is 'visits' where the model expects 'calls'"
    ):
        score(dataset, renamed, tmp_path / "d")


def test_folder_of_files_gives_one_output_per_file(dataset, tmp_path):
    folder = tmp_path / "batch"
    (folder / "day2").mkdir(parents=True)
    lines = csv_lines(dataset)
    (folder / "part-b.csv").write_text("\n".join(lines[:1000]) + "\n")
    (folder / "part-a.csv").write_text("\n".join(lines[1000:2500]) + "\n")
    (folder / "day2" / "part-c.csv").write_text("\n".join(lines[2500:]))  # no final newline
    (folder / "_SUCCESS").write_text("")
    (folder / ".part-a.csv.crc").write_text("junk")
    result = score(dataset, folder, tmp_path / "out", workers=2, max_bytes_per_batch=3000)
    outputs = [Path(p).relative_to(tmp_path / "out").as_posix() for p in result.output_files]
    assert outputs == ["day2/part-c.csv.out", "part-a.csv.out", "part-b.csv.out"]
    expected = dataset.expected()
    np.testing.assert_array_equal(read_predictions(result.output_files[0]), expected[2500:])
    np.testing.assert_array_equal(read_predictions(result.output_files[1]), expected[1000:2500])
    np.testing.assert_array_equal(read_predictions(result.output_files[2]), expected[:1000])
    assert result.rows == len(expected)

    by_prefix = score(dataset, f"{folder}/part-", tmp_path / "prefixed")
    assert [Path(p).name for p in by_prefix.output_files] == ["part-a.csv.out", "part-b.csv.out"]


def test_blank_lines_crlf_and_quotes_are_read_like_csv(dataset, tmp_path):
    lines = csv_lines(dataset)[:50]
    quoted = ['"' + lines[0].replace(",", '","') + '"', *lines[1:]]
    odd = tmp_path / "odd.csv"
    odd.write_bytes(("\r\n".join(quoted[:20]) + "\r\n\r\n" + "\n".join(quoted[20:])).encode())
    result = score(dataset, odd, tmp_path / "out", join_source=True)
    np.testing.assert_array_equal(read_predictions(result.output_files[0]), dataset.expected()[:50])
    assert Path(result.output_files[0]).read_text().splitlines()[0].startswith('"')


def test_missing_values_are_scored_as_missing(dataset, tmp_path):
    source = tmp_path / "gaps.csv"
    source.write_text("5,,3.5,1\n,,,\n")
    result = score(dataset, source, tmp_path / "out")
    nan = np.float32("nan")
    rows = np.array([[5, nan, 3.5, 1], [nan, nan, nan, nan]], dtype=np.float32)
    np.testing.assert_array_equal(read_predictions(result.output_files[0]), dataset.expected(rows))


@pytest.mark.parametrize("workers", [0, 2])
def test_wrong_field_count_names_file_and_line(dataset, tmp_path, workers):
    lines = csv_lines(dataset)
    lines[1234] = ",".join(lines[1234].split(",")[:3])
    source = tmp_path / "broken.csv"
    source.write_text("\n".join(lines) + "\n")
    with pytest.raises(InvalidInput, match=r"broken\.csv, line 1235: expected 4 fields, found 3"):
        score(dataset, source, tmp_path / "out", workers=workers, max_bytes_per_batch=2048)
    assert not list((tmp_path / "out").iterdir())


def test_text_in_a_numeric_column_names_line_and_column(dataset, tmp_path):
    lines = csv_lines(dataset)
    fields = lines[2001].split(",")
    fields[2] = "lots"
    lines[2001] = ",".join(fields)
    source = tmp_path / "text.csv"
    source.write_text("\n".join(lines) + "\n")
    with pytest.raises(
        InvalidInput, match=r"text\.csv, line 2002: column 3: 'lots' is not a number"
    ):
        score(dataset, source, tmp_path / "out", max_bytes_per_batch=4096)


def test_wrong_column_count_for_the_model(dataset, tmp_path):
    with pytest.raises(
        InvalidInput, match=r"with_id\.csv, line 1: a record has 5 fields but the model expects 4"
    ):
        score(dataset, "with_id.csv", tmp_path / "out")


def test_one_field_too_many_suggests_dropping_the_label(dataset, tmp_path):
    with pytest.raises(InvalidInput, match=r"drop it with `input_filter` '\$\[1:\]'"):
        score(dataset, "with_id.csv", tmp_path / "out")
    # with a filter that removes it, the same file scores
    result = score(dataset, "with_id.csv", tmp_path / "out", input_filter="$[1:]")
    assert result.rows > 0


def test_bad_inputs_each_get_one_clear_error(dataset, tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    with pytest.raises(InvalidInput, match="empty file"):
        score(dataset, empty, tmp_path / "out")
    header_only = tmp_path / "header_only.csv"
    header_only.write_text("tenure,calls,minutes,plan\n")
    with pytest.raises(InvalidInput, match="a header but no records"):
        score(dataset, header_only, tmp_path / "out")
    (tmp_path / "nothing").mkdir()
    with pytest.raises(InvalidInput, match="holds no data files"):
        score(dataset, tmp_path / "nothing", tmp_path / "out")
    with pytest.raises(InvalidInput, match="no input files match the prefix"):
        score(dataset, f"{dataset.root}/zzz-", tmp_path / "out")
    with pytest.raises(NotFound):
        score(dataset, tmp_path / "absent" / "x.csv", tmp_path / "out")
    with pytest.raises(InvalidInput, match="only index filters apply"):
        score(dataset, "plain.csv", tmp_path / "out", input_filter="$.features")
    with pytest.raises(InvalidInput, match="index 9 is outside the record"):
        score(dataset, "plain.csv", tmp_path / "out", join_source=True, output_filter="$[0,9]")
    with pytest.raises(InvalidInput, match="need the output in the input's format"):
        score(
            dataset, "plain.csv", tmp_path / "out", join_source=True, accept="application/jsonlines"
        )
    blocker = tmp_path / "file-not-folder"
    blocker.write_text("x")
    with pytest.raises(InvalidInput, match="is a file; give a folder"):
        score(dataset, "plain.csv", blocker)


def test_predictions_only_output_as_json_lines(dataset, tmp_path):
    result = score(dataset, "plain.csv", tmp_path / "out", accept="application/jsonlines")
    values = json_lines(result.output_files[0])
    np.testing.assert_array_equal(np.array(values, dtype=np.float32), dataset.expected())


def test_columns_that_start_as_integers_and_turn_decimal(dataset, tmp_path):
    """The parser's integer guess from early batches must not change later values."""
    rows = dataset.features.copy()
    rows[:1500, 2] = np.round(rows[:1500, 2])
    rows[2000, 0] = 2.5e9  # beyond int32 as well
    rows[2200, 1] = 300  # calls: 0..9 until here, then beyond int8
    rows[2400, 1] = -40_000  # and beyond int16
    rows[2600, 3] = -129  # plan: 0/1 until here
    source = tmp_path / "drifting.csv"
    source.write_text(
        "\n".join(",".join(f"{v:.9g}" for v in row) for row in rows.astype(np.float64)) + "\n"
    )
    result = score(dataset, source, tmp_path / "out", workers=1, max_bytes_per_batch=4096)
    np.testing.assert_array_equal(read_predictions(result.output_files[0]), dataset.expected(rows))


def test_fsspec_urls_for_model_input_and_output(dataset, tmp_path):
    import fsspec

    memory = fsspec.filesystem("memory")
    memory.pipe("/bt-test/in/day-1.csv", (dataset.root / "plain.csv").read_bytes())
    memory.pipe("/bt-test/model.tar.gz", dataset.model.read_bytes())
    try:
        result = transform(
            "memory:///bt-test/model.tar.gz",
            "memory:///bt-test/in",
            "memory:///bt-test/out",
            workers=0,
        )
        assert result.output_files == ["memory:///bt-test/out/day-1.csv.out"]
        local = tmp_path / "copy.out"
        local.write_bytes(memory.cat("/bt-test/out/day-1.csv.out"))
        np.testing.assert_array_equal(read_predictions(local), dataset.expected())
        assert sorted(p["name"] for p in memory.ls("/bt-test/out")) == [
            "/bt-test/out/_batchops_manifest.json",  # the set's manifest, written last
            "/bt-test/out/day-1.csv.out",
        ]
    finally:
        memory.rm("/bt-test", recursive=True)


def test_byte_order_mark_is_not_data(dataset, tmp_path):
    lines = csv_lines(dataset)
    plain = tmp_path / "bom.csv"
    plain.write_bytes(b"\xef\xbb\xbf" + ("\n".join(lines) + "\n").encode())
    result = score(dataset, plain, tmp_path / "a")
    assert result.rows == len(lines)
    np.testing.assert_array_equal(read_predictions(result.output_files[0]), dataset.expected())

    headed = tmp_path / "bom-header.csv"
    headed.write_bytes(b"\xef\xbb\xbf" + (dataset.root / "header.csv").read_bytes())
    result = score(dataset, headed, tmp_path / "b", join_source=True)
    out = Path(result.output_files[0]).read_text().splitlines()
    assert [line.rpartition(",")[0] for line in out] == lines
    np.testing.assert_array_equal(read_predictions(result.output_files[0]), dataset.expected())


def test_output_folder_inside_the_input_folder_is_not_read_as_input(dataset, tmp_path):
    folder = tmp_path / "batch"
    folder.mkdir()
    (folder / "day.csv").write_bytes((dataset.root / "plain.csv").read_bytes())
    first = score(dataset, folder, folder / "predictions")
    again = score(dataset, folder, folder / "predictions")
    assert again.input_files == first.input_files == [str(folder / "day.csv")]
    assert Path(again.output_files[0]).read_bytes() == Path(first.output_files[0]).read_bytes()


def test_unwritable_output_is_refused_before_scoring(dataset, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    with pytest.raises(InvalidInput, match=r"cannot write to output folder .*a-file/out"):
        score(dataset, "plain.csv", blocker / "out")


def _bound_by_permissions() -> list[str]:
    """A prefix that runs a command bound by file permissions: as is, or as root without the
    capabilities that let root write anywhere (util-linux's setpriv), as CI runs as root."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.fail("running as root needs setpriv (util-linux) to drop CAP_DAC_OVERRIDE")
    dropped = "-dac_override,-dac_read_search"
    return [setpriv, f"--bounding-set={dropped}", f"--inh-caps={dropped}", "--"]


def test_read_only_output_folder_is_refused(dataset, tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o555)
    data = dataset.root / "plain.csv"
    command = ["transform", "--model", str(dataset.model), "--input", str(data), "--output"]
    try:
        done = subprocess.run(
            [*_bound_by_permissions(), sys.executable, "-m", "batchops.cli.main", *command, locked],
            capture_output=True,
            text=True,
            timeout=120,
        )
    finally:
        locked.chmod(0o755)
    assert done.returncode == 2, done.stderr
    assert "cannot write to output folder" in done.stderr
    assert list(locked.iterdir()) == []
