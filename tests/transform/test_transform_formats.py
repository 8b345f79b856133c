"""JSON Lines and Parquet inputs, with SageMaker's filters and join."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from transform_data import FEATURES, json_lines, read_predictions, score

from batchops.errors import InvalidInput


def test_json_objects_with_features_key(dataset, tmp_path):
    result = score(
        dataset,
        "objects.jsonl",
        tmp_path / "out",
        workers=2,
        input_filter="$.features",
        max_bytes_per_batch=8192,
    )
    assert Path(result.output_files[0]).name == "objects.jsonl.out"
    predictions = np.array(json_lines(result.output_files[0]), dtype=np.float32)
    np.testing.assert_array_equal(predictions, dataset.expected())


def test_json_join_and_output_filter_keep_id_and_prediction(dataset, tmp_path):
    """SageMaker's JSON example: $.features in, $['id','SageMakerOutput'] out."""
    result = score(
        dataset,
        "objects.jsonl",
        tmp_path / "out",
        input_filter="$.features",
        join_source=True,
        output_filter="$['id','SageMakerOutput']",
    )
    records = json_lines(result.output_files[0])
    assert [sorted(r) for r in records[:2]] == [["SageMakerOutput", "id"]] * 2
    assert [r["id"] for r in records] == dataset.ids.tolist()
    scores = np.array([r["SageMakerOutput"] for r in records], dtype=np.float32)
    np.testing.assert_array_equal(scores, dataset.expected())


def test_json_join_keeps_the_whole_input_object(dataset, tmp_path):
    result = score(
        dataset, "objects.jsonl", tmp_path / "out", input_filter="$.features", join_source=True
    )
    first = json_lines(result.output_files[0])[0]
    original = json.loads((dataset.root / "objects.jsonl").read_text().splitlines()[0])
    assert {k: v for k, v in first.items() if k != "SageMakerOutput"} == original


def test_json_join_keeps_each_input_record_exactly_as_written(dataset, tmp_path):
    """Records of a batch differ (a key only some have, ints next to decimals): no record
    gains the others' keys or has its numbers rewritten."""
    lines = [
        '{"id": 1, "features": [12, 3, 7.5, 1]}',
        "",
        '{"id": "b-2", "features": [40, 0, 2.25, 0], "note": "x"}  ',
        '{"features":[1,2,3,4]}',
        '{"id": 3.5, "features": [5, 1, 0.5, 1], "nested": {"a": [1, {"b": null}]}}',
    ]
    source = tmp_path / "varied.jsonl"
    source.write_bytes(("\r\n".join(lines) + "\n").encode())
    result = score(dataset, source, tmp_path / "out", input_filter="$.features", join_source=True)
    records = json_lines(result.output_files[0])
    originals = [json.loads(line) for line in lines if line]
    assert [{k: v for k, v in r.items() if k != "SageMakerOutput"} for r in records] == originals
    assert (
        Path(result.output_files[0])
        .read_text()
        .splitlines()[0]
        .startswith('{"id": 1, "features": [12, 3, 7.5, 1],"SageMakerOutput":')
    )
    features = np.array([r["features"] for r in originals], dtype=np.float32)
    scores = np.array([r["SageMakerOutput"] for r in records], dtype=np.float32)
    np.testing.assert_array_equal(scores, dataset.expected(features))


def test_json_objects_keyed_by_feature_name(dataset, tmp_path):
    source = tmp_path / "named.jsonl"
    with source.open("w") as handle:
        for index, row in zip(dataset.ids[:100], dataset.features[:100], strict=True):
            record = {
                "id": int(index),
                **{n: float(v) for n, v in zip(FEATURES[::-1], row[::-1], strict=True)},
            }
            handle.write(json.dumps(record) + "\n")
    result = score(
        dataset, source, tmp_path / "out", input_filter=f"$[{', '.join(repr(n) for n in FEATURES)}]"
    )
    predictions = np.array(json_lines(result.output_files[0]), dtype=np.float32)
    np.testing.assert_array_equal(predictions, dataset.expected()[:100])


def test_json_arrays_are_wrapped_as_sagemaker_input(dataset, tmp_path):
    result = score(
        dataset,
        "arrays.jsonl",
        tmp_path / "out",
        input_filter="$[1:]",
        join_source=True,
        output_filter="$['SageMakerOutput']",
    )
    scores = np.array(
        [r["SageMakerOutput"] for r in json_lines(result.output_files[0])], dtype=np.float32
    )
    np.testing.assert_array_equal(scores, dataset.expected())
    joined = score(
        dataset, "arrays.jsonl", tmp_path / "joined", input_filter="$[1:]", join_source=True
    )
    first = json_lines(joined.output_files[0])[0]
    assert sorted(first) == ["SageMakerInput", "SageMakerOutput"]
    assert first["SageMakerInput"][0] == dataset.ids[0]


def test_bad_json_line_is_named(dataset, tmp_path):
    lines = (dataset.root / "objects.jsonl").read_text().splitlines()
    lines[1500] = lines[1500][:-5]
    source = tmp_path / "broken.jsonl"
    source.write_text("\n".join(lines) + "\n")
    with pytest.raises(InvalidInput, match=r"broken\.jsonl, line 1501: not valid JSON"):
        score(
            dataset, source, tmp_path / "out", input_filter="$.features", max_bytes_per_batch=16_384
        )


def test_json_record_of_the_wrong_width(dataset, tmp_path):
    source = tmp_path / "short.jsonl"
    source.write_text('{"features": [1, 2, 3, 4]}\n{"features": [1, 2]}\n')
    with pytest.raises(InvalidInput, match=r"short\.jsonl, line 2: an array of 2 elements"):
        score(dataset, source, tmp_path / "out", input_filter="$.features")
    with pytest.raises(InvalidInput, match="no key 'feature'"):
        score(dataset, source, tmp_path / "out", input_filter="$.feature")


@pytest.mark.parametrize("workers", [0, 1])
def test_an_error_a_batch_finds_names_its_file(dataset, tmp_path, workers):
    with pytest.raises(InvalidInput, match=r"objects\.jsonl: filter '\$\.feature': .* no key"):
        score(dataset, "objects.jsonl", tmp_path / "out", workers=workers, input_filter="$.feature")


def test_parquet_by_position_and_by_name(dataset, tmp_path):
    by_position = score(dataset, "table.parquet", tmp_path / "a", workers=2, input_filter="$[1:]")
    np.testing.assert_array_equal(read_predictions(by_position.output_files[0]), dataset.expected())
    names = "$[" + ",".join(f"'{n}'" for n in FEATURES) + "]"
    by_name = score(
        dataset,
        "table.parquet",
        tmp_path / "b",
        input_filter=names,
        join_source=True,
        output_filter="$['id','SageMakerOutput']",
    )
    lines = Path(by_name.output_files[0]).read_text().splitlines()
    assert [line.split(",")[0] for line in lines] == [str(i) for i in dataset.ids]
    np.testing.assert_array_equal(read_predictions(by_name.output_files[0]), dataset.expected())


def test_parquet_join_as_json_lines(dataset, tmp_path):
    result = score(
        dataset,
        "table.parquet",
        tmp_path / "out",
        input_filter="$[1:]",
        join_source=True,
        accept="application/jsonlines",
        max_rows_per_batch=500,
    )
    records = json_lines(result.output_files[0])
    assert list(records[0]) == ["id", *FEATURES, "SageMakerOutput"]
    scores = np.array([r["SageMakerOutput"] for r in records], dtype=np.float32)
    np.testing.assert_array_equal(scores, dataset.expected())


def test_parquet_text_in_a_feature_column_names_the_row(dataset, tmp_path):
    frame = pl.DataFrame({n: dataset.features[:10, i] for i, n in enumerate(FEATURES)})
    frame = frame.with_columns(pl.col("calls").cast(pl.String))
    frame = frame.with_columns(
        pl.when(pl.int_range(pl.len()) == 7)
        .then(pl.lit("many"))
        .otherwise(pl.col("calls"))
        .alias("calls")
    )
    source = tmp_path / "text.parquet"
    frame.write_parquet(source)
    with pytest.raises(InvalidInput, match=r"text\.parquet, row 8 .*'many' is not a number"):
        score(dataset, source, tmp_path / "out")


def test_named_fields_must_match_the_models_features(dataset, tmp_path):
    frame = pl.DataFrame({n: dataset.features[:10, i] for i, n in enumerate(FEATURES)})
    reordered = tmp_path / "reordered.parquet"
    frame.select(FEATURES[::-1]).with_columns(pl.lit("x").alias("note")).write_parquet(reordered)
    result = score(dataset, reordered, tmp_path / "a")
    np.testing.assert_array_equal(read_predictions(result.output_files[0]), dataset.expected()[:10])

    renamed = tmp_path / "renamed.parquet"
    frame.rename({"calls": "visits"}).write_parquet(renamed)
    with pytest.raises(
        InvalidInput,
        match=r"renamed\.parquet, row 1 .*no field 'calls', which the model expects",
    ):
        score(dataset, renamed, tmp_path / "b")
