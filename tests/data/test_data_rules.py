"""The rules of `batchops.data`: which files a URI names, their formats, the header rule."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from batchops.data.csv import looks_like_header
from batchops.data.errors import csv_error
from batchops.data.files import list_data_files, read_range
from batchops.data.formats import (
    CSV,
    JSON_LINES,
    PARQUET,
    compression,
    format_from_name,
    parse_format,
)
from batchops.errors import InvalidInput, NotFound


def test_a_spark_folder_lists_its_part_files_only(tmp_path: Path) -> None:
    folder = tmp_path / "out"
    (folder / "year=2024").mkdir(parents=True)
    (folder / "_temporary" / "0").mkdir(parents=True)
    for name in ["part-00001-x.csv", "part-00000-x.csv", "year=2024/part-00000-y.csv"]:
        (folder / name).write_text("a\n1\n")
    for name in ["_SUCCESS", "_committed_7", "_started_7", ".part-00000-x.csv.crc", "x.crc"]:
        (folder / name).write_text("")
    (folder / "_temporary" / "0" / "part-00009.csv").write_text("a\n1\n")
    (folder / "schema.json").write_text("{}")
    (folder / "README.md").write_text("notes")
    files = list_data_files(folder)
    assert [f.relative for f in files] == [
        "part-00000-x.csv",
        "part-00001-x.csv",
        "year=2024/part-00000-y.csv",
    ]
    assert {f.format for f in files} == {CSV}
    assert files[0].size == 4


def test_a_json_file_is_data_alone_and_metadata_in_a_folder(tmp_path: Path) -> None:
    (tmp_path / "records.json").write_text('{"a": 1}\n')
    (tmp_path / "data.csv").write_text("a\n1\n")
    [alone] = list_data_files(tmp_path / "records.json")
    assert alone.format == JSON_LINES
    assert [f.relative for f in list_data_files(tmp_path)] == ["data.csv"]


def test_a_prefix_names_the_files_it_starts(tmp_path: Path) -> None:
    for name in ["batch-1.csv", "batch-2.csv", "other.csv"]:
        (tmp_path / name).write_text("a\n1\n")
    assert [f.relative for f in list_data_files(f"{tmp_path}/batch-")] == [
        "batch-1.csv",
        "batch-2.csv",
    ]


def test_missing_and_empty_datasets(tmp_path: Path) -> None:
    with pytest.raises(NotFound, match=r"nothing\.csv: no such file or directory"):
        list_data_files(tmp_path / "nothing.csv")
    with pytest.raises(NotFound, match="no such file"):
        list_data_files(tmp_path / "absent" / "x.csv")
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "_SUCCESS").write_text("")
    with pytest.raises(InvalidInput, match="holds no data files"):
        list_data_files(tmp_path / "empty")


@pytest.mark.parametrize(
    ("name", "expected", "codec"),
    [
        ("a.csv", CSV, None),
        ("a.csv.gz", CSV, "gzip"),
        ("part-0", CSV, None),
        ("a.tsv.bz2", CSV, "bz2"),
        ("a.jsonl.zst", JSON_LINES, "zstd"),
        ("a.ndjson", JSON_LINES, None),
        ("a.JSON", JSON_LINES, None),
        ("a.pq", PARQUET, None),
        ("a.parquet", PARQUET, None),
    ],
)
def test_the_format_a_name_says(name: str, expected: str, codec: str | None) -> None:
    assert format_from_name(name) == expected
    assert compression(name) == codec


def test_formats_by_name_or_content_type() -> None:
    assert parse_format("text/csv") == parse_format("csv") == CSV
    assert parse_format("application/jsonlines; charset=utf-8") == JSON_LINES
    assert parse_format("application/x-parquet") == PARQUET
    with pytest.raises(InvalidInput, match="unknown data format 'xml'"):
        parse_format("xml")


def test_a_forced_format_and_a_compressed_file_read_decompressed(tmp_path: Path) -> None:
    path = tmp_path / "data.txt.gz"
    path.write_bytes(gzip.compress(b"a,b\n1,2\n3,4\n"))
    [file] = list_data_files(path, "text/csv")
    assert file.format == CSV and file.is_compressed
    assert read_range(file.uri, 4, 1 << 40) == b"1,2\n3,4\n"
    assert read_range(file.uri, 0, 3) == b"a,b"


@pytest.mark.parametrize(
    ("rows", "header"),
    [
        ([["a", "b"], ["1", "2"]], True),
        ([["1", "2"], ["3", "4"]], False),
        ([["x", "1"], ["y", "2"]], False),  # a number in the first row: data
        ([["a", ""], ["1", "2"]], False),  # an empty field in the first row: data
        ([["name", "city"], ["ann", "rome"], ["bob", "oslo"]], True),  # text, all distinct
        ([["ann", "rome"], ["ann", "oslo"]], False),  # the first value recurs below
        ([["tenure"]], True),
        ([["7"]], False),
    ],
)
def test_the_header_rule(rows: list[list[str]], header: bool) -> None:
    assert looks_like_header(rows) is header


def test_a_first_row_naming_known_features_is_a_header() -> None:
    rows = [["ann", "rome"], ["ann", "oslo"]]
    assert looks_like_header(rows, known_names=["rome"])


def test_arrow_csv_errors_name_the_file_and_line() -> None:
    width = csv_error("f.csv", "CSV parse error: Row #3: Expected 4 columns, got 3: 1,2,3", int)
    assert str(width) == "f.csv, line 3: expected 4 fields, found 3: 1,2,3"
    value = "In CSV column #2: Row #5: CSV conversion error to float: invalid value 'x'"
    assert str(csv_error("f.csv", value, lambda row: row + 10)) == (
        "f.csv, line 15: column 3: 'x' is not a number"
    )
    assert str(csv_error("f.csv", "Empty CSV file")) == "f.csv: empty file"
