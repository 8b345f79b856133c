"""Bad input gets one clear error naming the file and the place, and leaves outputs intact."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from batchops.errors import InvalidInput, NotFound
from batchops.monitor import baseline, check, reading
from batchops.monitor.dataset import resolve_input
from batchops.monitor.profiling import ColumnOptions, profile_dataset
from batchops.monitor.reading import ReadPlan

from .conftest import write_csv


@pytest.fixture
def base(tmp_path: Path):
    rng = np.random.default_rng(0)
    path = write_csv(
        tmp_path / "train.csv", {"a": rng.normal(size=500), "b": rng.integers(0, 9, 500)}
    )
    return baseline(path, tmp_path / "base")


def _edited(tmp_path: Path, uri: str, edit) -> Path:
    document = json.loads(Path(uri).read_text())
    edit(document)
    path = tmp_path / f"edited-{Path(uri).name}"
    path.write_text(json.dumps(document))
    return path


def _check(base, data: Path, out: Path, statistics=None, constraints=None, **options):
    return check(
        data,
        statistics=statistics or base.statistics_uri,
        constraints=constraints or base.constraints_uri,
        out_dir=out,
        **options,
    )


def test_a_baseline_file_that_is_not_json(base, tmp_path: Path) -> None:
    broken = tmp_path / "statistics.json"
    broken.write_text('{"version": 0.0, "dataset": {')
    batch = write_csv(tmp_path / "b.csv", {"a": [1.0], "b": [1]})
    with pytest.raises(InvalidInput, match=r"statistics\.json: not valid JSON: .* line 1"):
        _check(base, batch, tmp_path / "out", statistics=broken)


@pytest.mark.parametrize(
    ("which", "edit", "message"),
    [
        (
            "statistics",
            lambda d: d["dataset"].pop("item_count"),
            r"\$\.dataset: missing required key 'item_count'",
        ),
        (
            "statistics",
            lambda d: d["features"][1]["numerical_statistics"]["common"].update(num_present="500"),
            r"\$\.features\[1\]\.numerical_statistics\.common\.num_present: expected a number, "
            r"got the string '500'",
        ),
        (
            "statistics",
            lambda d: d["features"][0]["numerical_statistics"]["distribution"]["kll"]["sketch"][
                "data"
            ].append("x"),
            r"\$\.features\[0\]\.numerical_statistics\.distribution\.kll\.sketch\.data\[\d+\]: "
            "expected a list",
        ),
        (
            "constraints",
            lambda d: d["features"][1].update(inferred_type="Text"),
            r"\$\.features\[1\]\.inferred_type: expected one of Integral, Fractional, String, "
            r"Unknown, got 'Text'",
        ),
        (
            "constraints",
            lambda d: d["monitoring_config"]["distribution_constraints"].update(
                comparison_method="Fancy"
            ),
            r"\$\.monitoring_config\.distribution_constraints\.comparison_method: expected "
            "Simple or Robust",
        ),
        ("constraints", lambda d: d.update(features={}), r"\$\.features: expected a list"),
    ],
)
def test_baseline_files_of_the_wrong_shape_name_the_json_path(
    base, tmp_path: Path, which: str, edit, message: str
) -> None:
    uri = base.statistics_uri if which == "statistics" else base.constraints_uri
    edited = _edited(tmp_path, uri, edit)
    batch = write_csv(tmp_path / "b.csv", {"a": [1.0], "b": [1]})
    options = {which: edited}
    with pytest.raises(InvalidInput, match=str(edited).replace(".", r"\.") + ": " + message):
        _check(base, batch, tmp_path / "out", **options)


def test_missing_files_are_not_found(base, tmp_path: Path) -> None:
    with pytest.raises(NotFound, match=r"no-such\.csv"):
        _check(base, tmp_path / "no-such.csv", tmp_path / "out")
    batch = write_csv(tmp_path / "b.csv", {"a": [1.0], "b": [1]})
    with pytest.raises(NotFound, match=r"nowhere\.json: no such file"):
        _check(base, batch, tmp_path / "out", statistics=tmp_path / "nowhere.json")


def test_an_empty_batch(base, tmp_path: Path) -> None:
    header_only = tmp_path / "header.csv"
    header_only.write_text("a,b\n")
    with pytest.raises(InvalidInput, match=r"header\.csv: the data has no rows"):
        _check(base, header_only, tmp_path / "out")
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    with pytest.raises(InvalidInput, match=r"empty\.csv: empty file"):
        _check(base, empty, tmp_path / "out")
    folder = tmp_path / "folder"
    folder.mkdir()
    (folder / "_SUCCESS").write_text("")
    with pytest.raises(InvalidInput, match="holds no data files"):
        _check(base, folder, tmp_path / "out")


def test_a_batch_in_another_format_than_declared(base, tmp_path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    disguised = tmp_path / "batch.csv"
    pq.write_table(pa.table({"a": [1.0], "b": [1]}), disguised)
    with pytest.raises(
        InvalidInput, match=r"batch\.csv: expected CSV but the file looks like Parquet"
    ):
        _check(base, disguised, tmp_path / "out")
    plain = write_csv(tmp_path / "plain.csv", {"a": [1.0], "b": [1]})
    with pytest.raises(InvalidInput, match="expected Parquet but the file looks like CSV"):
        check(
            plain,
            statistics=base.statistics_uri,
            constraints=base.constraints_uri,
            out_dir=tmp_path / "out",
            data_format="parquet",
        )


def test_a_json_array_is_refused_and_a_json_file_of_lines_is_read(tmp_path: Path) -> None:
    rows = [{"a": 1.5, "b": "x"}, {"a": 2.5, "b": "y"}]
    array = tmp_path / "cars.json"
    array.write_text(json.dumps(rows, indent=2))
    with pytest.raises(InvalidInput, match=r"cars\.json: the file holds a JSON array"):
        baseline(array, tmp_path / "out")
    lines = tmp_path / "part-00000.json"  # as Spark writes JSON
    lines.write_text("\n".join(json.dumps(row) for row in rows))
    assert baseline(lines, tmp_path / "out").row_count == 2
    bracketed = write_csv(tmp_path / "export.csv", {"[a]": [1.5, 2.5]})  # not JSON: read
    assert baseline(bracketed, tmp_path / "out").row_count == 2


def test_a_malformed_row_names_file_and_line(base, tmp_path: Path) -> None:
    lines = ["a,b"] + [f"{i}.5,{i}" for i in range(3000)]
    lines[2001] = "7.5,7,oops"
    bad = tmp_path / "bad.csv"
    bad.write_text("\n".join(lines) + "\n")
    with pytest.raises(InvalidInput) as caught:
        _check(base, bad, tmp_path / "out", block_size=4096)
    assert str(caught.value) == (f"{bad}, line 2002: expected 2 fields, found 3: 7.5,7,oops")


def test_a_malformed_row_in_a_later_part_names_its_line_in_the_file(tmp_path: Path) -> None:
    lines = ["a,b"] + [f"{i}.5,{i}" for i in range(3000)]
    lines[2500] = "1,2,3"
    bad = tmp_path / "bad.csv"
    bad.write_text("\n".join(lines) + "\n")
    source = resolve_input(bad, True, (), None, None)
    kinds = {"a": reading.NUMBER, "b": reading.NUMBER}  # as if probed on a larger file
    plan = ReadPlan(source.layout, kinds, include=source.included, block_size=4096)
    parts = reading.split_parts(source.files, 4, min_part_bytes=1)
    assert len(parts) == 4 and parts[2].start > 0
    with pytest.raises(InvalidInput, match=r"bad\.csv, line 2501: expected 2 fields, found 3"):
        profile_dataset(parts, plan, {n: ColumnOptions() for n in source.included}, workers=1)


def test_a_failed_run_leaves_earlier_outputs_as_they_were(base, tmp_path: Path) -> None:
    good = write_csv(tmp_path / "good.csv", {"a": np.zeros(10), "b": np.arange(10)})
    out = tmp_path / "out"
    _check(base, good, out)
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b\n1.0,2\n3.0\n")
    with pytest.raises(InvalidInput):
        _check(base, bad, out)
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


def test_a_header_naming_a_column_twice(tmp_path: Path) -> None:
    path = tmp_path / "twice.csv"
    path.write_text("a,b,a\n1,2,3\n")
    with pytest.raises(
        InvalidInput, match=r"twice\.csv, line 1: the header names column 'a' twice"
    ):
        baseline(path, tmp_path / "out", header=True)


def test_files_of_a_directory_must_share_their_columns(tmp_path: Path) -> None:
    folder = tmp_path / "parts"
    folder.mkdir()
    write_csv(folder / "1.csv", {"a": [1], "b": [2]})
    write_csv(folder / "2.csv", {"a": [1]})
    with pytest.raises(InvalidInput, match=r"2\.csv: its columns \(1\) differ"):
        baseline(folder, tmp_path / "out")


def test_a_malformed_row_in_a_gzipped_file_names_its_line(base, tmp_path: Path) -> None:
    """Compressed files are read front to back once: lines are counted as blocks go by."""
    import gzip

    lines = ["a,b"] + [f"{i}.5,{i}" for i in range(3000)]
    lines[2700] = "7.5"
    bad = tmp_path / "bad.csv.gz"
    bad.write_bytes(gzip.compress(("\n".join(lines) + "\n").encode()))
    with pytest.raises(InvalidInput) as caught:
        _check(base, bad, tmp_path / "out", block_size=4096)
    assert str(caught.value) == f"{bad}, line 2701: expected 2 fields, found 1: 7.5"


@pytest.mark.parametrize(
    "values",
    [["1e308", "1e308"], ["1e200", "-1e200"], ["1.7e308", "-1.7e308"]],
    ids=["sum", "spread", "range"],
)
def test_numbers_too_large_for_their_figures_name_the_column_and_leave_outputs(
    base, tmp_path: Path, values: list[str]
) -> None:
    # statistics.json has no infinity to write: the column is refused by name, in the
    # baseline and in a check alike, and the earlier outputs stay as they were.
    data = tmp_path / "huge.csv"
    data.write_text("a,b\n" + "".join(f"{value},{row}\n" for row, value in enumerate(values)))
    before = Path(base.statistics_uri).read_bytes()
    message = r"column 'a': its numbers .* too large .* 64-bit float"
    with pytest.raises(InvalidInput, match=message):
        baseline(data, Path(base.statistics_uri).parent)
    with pytest.raises(InvalidInput, match=message):
        _check(base, data, tmp_path / "check")
    assert Path(base.statistics_uri).read_bytes() == before
    assert not (tmp_path / "check").exists()
    near = tmp_path / "near.csv"  # large, but their sum, spread and range fit
    near.write_text("a,b\n1e150,0\n-1e150,1\n")
    assert baseline(near, tmp_path / "near-out").statistics.feature("a").numerical.max == 1e150
