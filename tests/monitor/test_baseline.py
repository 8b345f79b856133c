"""Baselines of data we make: inferred types, counts and moments, sketches, constraints."""

from __future__ import annotations

import json
import pickle
import subprocess
import sys
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from batchops.monitor import baseline, reading
from batchops.monitor.dataset import probe_input, resolve_input
from batchops.monitor.profiling import CATEGORY_LIMIT, ColumnOptions, profile_dataset
from batchops.monitor.reading import ReadPlan

from .conftest import write_csv


def _types(result) -> dict[str, str]:
    return {f.name: f.inferred_type for f in result.statistics.features}


def test_types_are_inferred_as_deequ_does(tmp_path: Path) -> None:
    path = tmp_path / "data.csv"
    path.write_text(
        "ints,decimals,whole_decimals,mixed,flags,empty,signed\n"
        "1,1.5,3.0,7,true,,-4\n"
        "2,2,4.0,x,false,,+5\n"
        "3,,5.0,8,true,,- 6\n"
    )
    result = baseline(path, tmp_path / "out")
    assert _types(result) == {
        "ints": "Integral",
        "decimals": "Fractional",  # one decimal makes the column Fractional
        "whole_decimals": "Fractional",  # "3.0" is Fractional by its text, as in Deequ
        "mixed": "String",  # one text value makes it String
        "flags": "String",  # Deequ's Boolean, which Model Monitor reports as String
        "empty": "Unknown",
        "signed": "Integral",  # Deequ's pattern allows a sign and one space
    }
    signed = result.statistics.feature("signed").numerical
    assert (signed.min, signed.max, signed.sum) == (-6.0, 5.0, -5.0)


def test_text_after_the_first_block_turns_a_column_to_string(tmp_path: Path) -> None:
    rows = 200_000  # beyond what the probe reads
    values = [str(i) for i in range(rows)]
    values[-3] = "n/a"
    path = write_csv(tmp_path / "late.csv", {"id": values, "x": np.arange(rows) * 0.5})
    result = baseline(path, tmp_path / "out", block_size=1 << 14)  # many blocks
    stats = result.statistics.feature("id")
    assert stats.inferred_type == "String"
    assert stats.string.num_present == rows
    assert result.row_count == rows
    assert result.statistics.feature("x").numerical.sum == pytest.approx(
        0.5 * rows * (rows - 1) / 2
    )


def _late_text_rows(rows: int) -> dict[str, list[str]]:
    """A code column of small numbers that holds text only in its last rows."""
    codes = [str(i % 4) for i in range(rows)]
    codes[-5:] = ["none"] * 5
    return {"code": codes, "x": [f"{i}.5" for i in range(rows)]}


def _counted(result) -> dict[str, float]:
    feature = result.statistics.feature("code")
    assert feature.inferred_type == "String"
    assert feature.string.num_present == sum(c.count for c in feature.string.categories)
    return {c.value: c.count for c in feature.string.categories}


def test_text_in_a_later_part_counts_the_categories_of_every_part(tmp_path: Path) -> None:
    rows = 200_000  # 2.4 MB: the text lies beyond what the probe reads
    path = write_csv(tmp_path / "late.csv", _late_text_rows(rows))
    source = resolve_input(path, True, (), None, None)
    kinds, integers = probe_input(source)
    assert kinds["code"] == reading.NUMBER  # the probe sees numbers only
    plan = ReadPlan(source.layout, kinds, include=source.included, block_size=1 << 14)
    options = {name: ColumnOptions(name in integers) for name in source.included}
    parts = reading.split_parts(source.files, 4, min_part_bytes=1)
    assert len(parts) == 4
    expected = Counter(_late_text_rows(rows)["code"])
    for workers in (1, 2):
        code = profile_dataset(parts, plan, options, workers).statistics().feature("code")
        assert code.inferred_type == "String"
        assert {c.value: c.count for c in code.string.categories} == expected


def test_text_in_a_later_file_counts_the_categories_of_every_file(tmp_path: Path) -> None:
    folder = tmp_path / "batch"
    folder.mkdir()
    first, second = [str(i % 4) for i in range(20_000)], _late_text_rows(20_000)["code"]
    write_csv(folder / "part-0.csv", {"code": first})
    write_csv(folder / "part-1.csv", {"code": second})
    result = baseline(folder, tmp_path / "out", workers=2)
    assert result.row_count == 40_000
    assert _counted(result) == Counter(first + second)


def test_parquet_files_that_disagree_on_a_type_are_read_alike(tmp_path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    folder = tmp_path / "batch"
    folder.mkdir()
    numbers, words = [1, 2, 3, 1] * 1_000, ["1", "2", "none", None] * 1_000
    pq.write_table(pa.table({"code": numbers}), folder / "a.parquet")
    pq.write_table(pa.table({"code": words}), folder / "b.parquet")
    result = baseline(folder, tmp_path / "out")
    assert _counted(result) == Counter(str(n) for n in numbers + words if n is not None)


def test_numbers_match_numpy(tmp_path: Path) -> None:
    rng = np.random.default_rng(7)
    rows = 50_000
    x = rng.lognormal(1.0, 0.8, rows)
    k = rng.integers(-50, 50, rows)
    with_gaps = rng.normal(size=rows)
    gaps = rng.random(rows) < 0.1
    path = write_csv(
        tmp_path / "numbers.csv",
        {
            "x": x,
            "k": k,
            "gappy": [None if g else float(v) for g, v in zip(gaps, with_gaps, strict=True)],
        },
    )
    result = baseline(path, tmp_path / "out", block_size=1 << 16)
    assert result.row_count == rows
    for name, values, missing in (
        ("x", x, 0),
        ("k", k, 0),
        ("gappy", with_gaps[~gaps], gaps.sum()),
    ):
        stats = result.statistics.feature(name).numerical
        assert stats.num_present == rows - missing and stats.num_missing == missing
        assert stats.mean == pytest.approx(values.mean(), rel=1e-9)
        assert stats.sum == pytest.approx(values.sum(), rel=1e-9)
        assert stats.std_dev == pytest.approx(values.std(), rel=1e-9)  # population std_dev
        assert (stats.min, stats.max) == (values.min(), values.max())
        assert stats.completeness == pytest.approx((rows - missing) / rows)
        # KLL: estimated ranks within the sketch's normalized rank error (1.33% for k=200).
        probes = np.quantile(values, np.linspace(0.01, 0.99, 25))
        exact = np.searchsorted(np.sort(values), probes, side="right") / len(values)
        assert np.max(np.abs(stats.sketch.cdf(probes) - exact)) < 0.0133 * 2
        assert sum(b.count for b in stats.buckets) == len(values)
        assert stats.buckets[0].lower_bound == values.min()
        assert stats.buckets[-1].upper_bound == values.max()
    assert result.statistics.feature("k").inferred_type == "Integral"
    assert result.statistics.feature("k").numerical.approximate_num_distinct_values == 100
    distinct_x = result.statistics.feature("x").numerical.approximate_num_distinct_values
    assert distinct_x == pytest.approx(rows, rel=0.05)


def test_categories_and_suggested_constraints(tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    rows = 20_000
    colours = rng.choice(["red", "green", "blue"], rows, p=[0.5, 0.3, 0.2])
    names = [f"customer-{i}" for i in range(rows)]  # unique: not categorical
    amounts = rng.normal(1, 2, rows)  # some negative
    path = write_csv(tmp_path / "c.csv", {"colour": colours, "name": names, "amount": amounts})
    result = baseline(path, tmp_path / "out")
    colour = result.statistics.feature("colour").string
    assert colour.distinct_count == 3
    assert {c.value: c.count for c in colour.categories} == {
        value: float((colours == value).sum()) for value in ("red", "green", "blue")
    }
    name = result.statistics.feature("name").string
    assert name.categories is None  # too many values to list
    assert name.distinct_count == pytest.approx(rows, rel=0.05)
    constraints = {f.name: f for f in result.constraints.features}
    assert sorted(constraints["colour"].domains) == ["blue", "green", "red"]
    assert constraints["name"].domains is None
    assert constraints["amount"].is_non_negative is False
    written = json.loads(Path(result.statistics_uri).read_text())
    name_json = next(f for f in written["features"] if f["name"] == "name")
    assert "distribution" not in name_json["string_statistics"]
    written_constraints = json.loads(Path(result.constraints_uri).read_text())
    name_constraints = next(f for f in written_constraints["features"] if f["name"] == "name")
    assert "string_constraints" not in name_constraints


_PEAK_RSS = """
import json, resource, sys
from batchops.monitor import baseline, check
made = baseline(sys.argv[1], sys.argv[2] + "/base", workers=1, block_size=1 << 20)
checked = check(sys.argv[1], statistics=made.statistics_uri, constraints=made.constraints_uri,
                out_dir=sys.argv[2] + "/check", workers=1, block_size=1 << 20)
stats = made.statistics.features[0].string
print(json.dumps({"peak_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
                  "distinct": stats.distinct_count, "listed": stats.categories is not None,
                  "violations": len(checked.violations)}))
"""


def _profile_in_fresh_process(data: Path, out: Path) -> dict[str, float]:
    done = subprocess.run(
        [sys.executable, "-c", _PEAK_RSS, str(data), str(out)],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(done.stdout)


def test_a_million_distinct_values_cost_no_more_memory_than_two(tmp_path: Path) -> None:
    """Baseline and check both: categories are tracked only up to a limit."""
    rows = 1_000_000
    ids = write_csv(tmp_path / "ids.csv", {"v": np.char.add("id-", np.arange(rows).astype(str))})
    two = write_csv(tmp_path / "two.csv", {"v": np.where(np.arange(rows) % 2, "id-1", "id-22")})
    many = _profile_in_fresh_process(ids, tmp_path / "out-ids")
    few = _profile_in_fresh_process(two, tmp_path / "out-two")
    assert many["distinct"] == pytest.approx(rows, rel=0.05) and not many["listed"]
    assert few["distinct"] == 2 and few["listed"]
    assert many["violations"] == few["violations"] == 0  # checked against itself, too
    # Listing every value (a dict of a million strings) takes about 1 GB more here.
    assert (many["peak_kb"] - few["peak_kb"]) / 1024 < 120


def test_parts_profiled_apart_merge_into_the_whole(tmp_path: Path) -> None:
    rng = np.random.default_rng(11)
    rows = 30_000
    path = write_csv(
        tmp_path / "big.csv",
        {
            "x": rng.normal(size=rows),
            "n": rng.integers(0, 10, rows),
            "s": rng.choice(["a", "b", "c"], rows),
        },
    )
    source = resolve_input(path, True, (), None, None)
    kinds, integers = probe_input(source)
    plan = ReadPlan(source.layout, kinds, include=source.included, block_size=1 << 14)
    options = {name: ColumnOptions(name in integers) for name in source.included}
    parts = reading.split_parts(source.files, 4, min_part_bytes=1)
    assert len(parts) == 4
    whole = profile_dataset(reading.split_parts(source.files, 1), plan, options, workers=1)
    merged = profile_dataset(parts, plan, options, workers=2)  # parts in two threads
    # A profile travels between processes (Dask workers) and still merges after the trip.
    travelled = profile_dataset(parts[:2], plan, options, workers=1)
    travelled.merge(pickle.loads(pickle.dumps(profile_dataset(parts[2:], plan, options, 1))))
    a, b, c = whole.statistics(), merged.statistics(), travelled.statistics()
    assert c.to_dict()["dataset"] == b.to_dict()["dataset"]
    for fc, fb in zip(c.features, b.features, strict=True):
        assert fc.num_present == fb.num_present
        if fb.numerical:
            assert fc.numerical.sum == pytest.approx(fb.numerical.sum, rel=1e-9)
            assert fc.numerical.sketch.count == fb.numerical.sketch.count == rows
    assert a.item_count == b.item_count == rows
    for fa, fb in zip(a.features, b.features, strict=True):
        assert fa.inferred_type == fb.inferred_type
        assert fa.num_present == fb.num_present
        if fa.numerical:
            assert fb.numerical.sum == pytest.approx(fa.numerical.sum, rel=1e-9)
            assert fb.numerical.std_dev == pytest.approx(fa.numerical.std_dev, rel=1e-9)
            assert (fb.numerical.min, fb.numerical.max) == (fa.numerical.min, fa.numerical.max)
        else:
            assert fa.string.categories == fb.string.categories


def test_category_limit_is_what_makes_a_column_high_cardinality(tmp_path: Path) -> None:
    below = [f"v{i % CATEGORY_LIMIT}" for i in range(3 * CATEGORY_LIMIT)]
    above = [f"v{i % (CATEGORY_LIMIT + 1)}" for i in range(3 * CATEGORY_LIMIT)]
    path = write_csv(tmp_path / "card.csv", {"below": below, "above": above})
    result = baseline(path, tmp_path / "out")
    assert len(result.statistics.feature("below").string.categories) == CATEGORY_LIMIT
    assert result.statistics.feature("above").string.categories is None


def test_a_string_column_counts_distinct_spellings_of_one_number(tmp_path: Path) -> None:
    # Airport codes "0E0" and "0E8" both read as the number 0; Deequ counts the raw text.
    codes = ["0E0", "0E8", "01", "1", "1.0", "ABQ", "ABQ", None]
    spellings = len({c for c in codes if c is not None})
    for rows in (len(codes), 3 * CATEGORY_LIMIT):  # listed, then high-cardinality
        filler = [f"X{i}" for i in range(rows - len(codes))]
        path = write_csv(tmp_path / f"codes-{rows}.csv", {"iata": codes + filler})
        result = baseline(path, tmp_path / f"out-{rows}")
        iata = result.statistics.feature("iata")
        assert iata.inferred_type == "String"
        assert iata.string.distinct_count == spellings + len(filler)


def test_headerless_data_gets_model_monitor_names(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "h.csv", {"a": [1, 2, 3], "b": ["x", "y", "x"]}, header=False)
    result = baseline(path, tmp_path / "out")
    assert [f.name for f in result.statistics.features] == ["_c0", "_c1"]
    forced = baseline(path, tmp_path / "out2", header=True)
    assert [f.name for f in forced.statistics.features] == ["1", "x"]
    assert forced.row_count == 2


def test_ignored_columns_are_left_out_and_the_rest_renumbered(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "t.csv", {"y": [0, 1, 0], "a": [1.5, 2.5, 3.5], "b": [4, 5, 6]}, header=False
    )
    result = baseline(path, tmp_path / "out", ignore_columns=["_c0"])
    assert _types(result) == {"_c0": "Fractional", "_c1": "Integral"}


def test_a_directory_is_read_in_name_order_skipping_metadata(tmp_path: Path) -> None:
    folder = tmp_path / "parts"
    folder.mkdir()
    write_csv(folder / "part-0002.csv", {"x": [3, 4]})
    write_csv(folder / "part-0001.csv", {"x": [1, 2]})
    (folder / "_SUCCESS").write_text("")
    (folder / ".part-0001.csv.crc").write_text("junk")
    (folder / "manifest.json").write_text("{}")
    result = baseline(folder, tmp_path / "out")
    stats = result.statistics.feature("x").numerical
    assert result.row_count == 4 and stats.sum == 10 and stats.min == 1


def test_parquet_and_json_lines_are_read_too(tmp_path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.table({"n": [1, 2, None], "x": [0.5, 1.5, 2.5], "s": ["a", "b", "a"]})
    pq.write_table(table, tmp_path / "d.parquet")
    lines = [{"n": 1, "x": 0.5, "s": "a"}, {"n": 2, "x": 1.5, "s": "b"}, {"x": 2.5, "s": "a"}]
    (tmp_path / "d.jsonl").write_text("\n".join(json.dumps(line) for line in lines))
    for name in ("d.parquet", "d.jsonl"):
        result = baseline(tmp_path / name, tmp_path / f"out-{name}")
        assert _types(result) == {"n": "Integral", "x": "Fractional", "s": "String"}, name
        assert result.statistics.feature("n").numerical.num_missing == 1
        assert result.statistics.feature("x").numerical.sum == 4.5


def test_fsspec_urls_in_and_out(tmp_path: Path) -> None:
    import fsspec

    from batchops.monitor import check

    memory = fsspec.filesystem("memory")
    for name, seed in (("train", 1), ("batch", 2)):
        local = write_csv(
            tmp_path / f"{name}.csv", {"x": np.random.default_rng(seed).normal(size=300)}
        )
        memory.pipe(f"/monitor-test/{name}.csv", local.read_bytes())
    made = baseline("memory://monitor-test/train.csv", "memory://monitor-test/base")
    assert made.statistics_uri == "memory://monitor-test/base/statistics.json"
    assert memory.exists("/monitor-test/base/constraints.json")
    result = check(
        "memory://monitor-test/batch.csv",
        statistics=made.statistics_uri,
        constraints=made.constraints_uri,
        out_dir="memory://monitor-test/out",
    )
    assert result.violations == [] and result.row_count == 300
    assert (
        memory.cat_file("/monitor-test/out/constraint_violations.json")
        == b'{\n  "violations" : [ ]\n}'  # as Model Monitor lays it out
    )
    memory.rm("/monitor-test", recursive=True)


def test_a_line_longer_than_a_block_is_read_whole(tmp_path: Path) -> None:
    long_text = "x" * 50_000
    path = tmp_path / "long.csv"
    rows = [f"{i},short" for i in range(500)]
    rows[250] = f"250,{long_text}"
    path.write_text("n,text\n" + "\n".join(rows) + "\n")
    made = baseline(path, tmp_path / "out", block_size=4096)
    number, text = made.statistics.features
    assert made.statistics.item_count == 500
    assert number.numerical.sum == sum(range(500))
    assert text.string.distinct_count == 2


@pytest.mark.parametrize("compression", ["gz", "bz2"])
def test_compressed_files_local_and_remote_read_as_their_contents(
    tmp_path: Path, compression: str
) -> None:
    """The header is sniffed from the decompressed bytes, whoever decompresses them: Arrow
    for a local file, fsspec for a URL."""
    import bz2
    import gzip

    import fsspec

    text = "x,label\n" + "".join(f"{i}.5,{'ab'[i % 2]}\n" for i in range(200))
    packed = (gzip.compress if compression == "gz" else bz2.compress)(text.encode())
    local = tmp_path / f"data.csv.{compression}"
    local.write_bytes(packed)
    memory = fsspec.filesystem("memory")
    memory.pipe(f"/compressed-test/data.csv.{compression}", packed)
    try:
        for source in (local, f"memory://compressed-test/data.csv.{compression}"):
            made = baseline(source, tmp_path / "out")
            assert made.row_count == 200
            assert [f.name for f in made.statistics.features] == ["x", "label"]
    finally:
        memory.rm("/compressed-test", recursive=True)
