"""Raw extracts scored through the model's own preprocessing, and predictions traced to rows.

A model trained behind an encoding (`preprocessing.json` in its artifact) scores a raw file
whose header names the raw columns: the label column, when present by name, is ignored, the
encoding is applied columnar, and a category training never saw scores as zeros in its block
(counted, for the report). The prepared, headerless layout goes the streaming way as before.

Every prediction gets an inference id: the value of the column the user names
(`id_column`, then also written as the output's first column), or `<prefix>/<file>/<row>`.
The ids and the model's output are kept beside the output, in
`_batchops_predictions/<name>.parquet` (a `_` folder: not part of the SageMaker-compatible
output set), for the model-quality join: `probability` for a binary model's score (and any
model of unknown objective), `prediction` for a regression's value, `probability_<class>`
for each class of a multiclass model (one column per class).
In-process and whole-file: raw extracts are daily files, not the streaming path's sizes.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from batchops.data.files import TO_END, DataFile, read_first_lines, read_range
from batchops.errors import InvalidInput
from batchops.models.artifact import ModelFiles
from batchops.store import artifacts
from batchops.store.outputs import begin_output, hash_file
from batchops.transform import formats
from batchops.transform.output import output_name, output_uri, prepare_output_root

if TYPE_CHECKING:
    import numpy as np
    import polars as pl

PREDICTIONS_FOLDER = "_batchops_predictions"
DEFAULT_INPUT_FILTER = "$[1:]"


@dataclass(frozen=True)
class RawScoring:
    rows: int
    input_files: list[str]
    output_files: list[str]
    unknown_categories: dict[str, int] = field(default_factory=dict)


def header_of(item: DataFile) -> list[str]:
    first = read_first_lines(item.uri, 1)[0].split(b"\n", 1)[0]
    text = first.decode("utf-8-sig", errors="replace").rstrip("\r")
    return next(csv.reader([text]), [])


def is_raw_input(files: Sequence[DataFile], model: ModelFiles) -> bool:
    """Raw when the model carries an encoding and every CSV file's header names raw columns."""
    prep = model.preprocessing
    if prep is None or not files:
        return False
    return all(
        formats.of_file(item) == formats.CSV and prep.is_raw_header(header_of(item))
        for item in files
    )


def score_raw(
    files: Sequence[DataFile],
    output: str,
    model: ModelFiles,
    *,
    id_column: str | None,
    id_prefix: str,
    input_filter: str | None,
    join_source: bool,
    output_filter: str | None,
    model_used: dict[str, str],
) -> RawScoring:
    """Score raw CSV files; one output line per row: the probability, or `id,probability`."""
    import polars as pl

    from batchops.models import load_files

    if input_filter not in (None, "", "$", DEFAULT_INPUT_FILTER):
        raise InvalidInput(
            f"input filter {input_filter!r} selects positions of the prepared layout; a raw "
            "file with a header is selected by column name (leave the filter at its default, "
            "or $: the whole record)"
        )
    if join_source or output_filter not in (None, "", "$"):
        raise InvalidInput("join_source and output_filter apply to the prepared layout only")
    preprocessing = model.preprocessing
    assert preprocessing is not None
    loaded = load_files(model)
    prepare_output_root(output)
    names = [output_name(item) for item in files]
    writing = begin_output(output, "transform", names, model=model_used)
    unknown: dict[str, int] = {}
    entries, targets, rows = [], [], 0
    try:
        for item, name in zip(files, names, strict=True):
            frame = _read_text_csv(item)
            ids = _inference_ids(frame, item, id_column, id_prefix)
            encoded = preprocessing.apply(frame, item.uri)
            probabilities = loaded.predict(encoded.features).astype("float64")
            objective = loaded.manifest.objective
            for column, count in encoded.unknown_categories.items():
                unknown[column] = unknown.get(column, 0) + count
            target = output_uri(output, name)
            scored = pl.DataFrame(output_columns(probabilities, objective))
            if id_column:
                scored = scored.insert_column(0, ids.alias(id_column))
            buffer = io.BytesIO()
            scored.write_csv(buffer, include_header=False)
            artifacts.write_bytes(target, buffer.getvalue())
            write_prediction_ids(output, name, item.uri, ids, probabilities, objective)
            entries.append(hash_file(target, name, frame.height))
            targets.append(target)
            rows += frame.height
    except BaseException:
        writing.abandon(touched=bool(entries))
        raise
    writing.finish(entries)
    return RawScoring(rows, [item.uri for item in files], targets, unknown)


def _read_text_csv(item: DataFile) -> pl.DataFrame:
    import polars as pl

    data = read_range(item.uri, 0, TO_END)
    try:
        return pl.read_csv(io.BytesIO(data), infer_schema=False)
    except pl.exceptions.PolarsError as exc:
        raise InvalidInput(f"{item.uri}: not a readable CSV ({str(exc).splitlines()[0]})") from exc


def _inference_ids(
    frame: pl.DataFrame, item: DataFile, id_column: str | None, prefix: str
) -> pl.Series:
    import polars as pl

    if id_column is None:
        return generated_ids(prefix, item.relative, frame.height)
    if id_column not in frame.columns:
        raise InvalidInput(f"{item.uri}: no column {id_column!r} to take inference ids from")
    ids = frame.get_column(id_column).cast(pl.String)
    if ids.null_count():
        row = int(ids.is_null().arg_true()[0])
        raise InvalidInput(f"{item.uri}, row {row + 1}: the id column {id_column!r} is empty")
    if ids.n_unique() != ids.len():
        duplicate = ids.filter(ids.is_duplicated())[0]
        raise InvalidInput(f"{item.uri}: inference id {duplicate!r} appears more than once")
    return ids.alias("inference_id")


def generated_ids(prefix: str, relative: str, rows: int) -> pl.Series:
    """`<prefix>/<file>/<row>` with rows counted from 1: unique within a run's output."""
    import polars as pl

    rows_from_one = pl.int_range(1, rows + 1, eager=True).cast(pl.String)
    return (f"{prefix}/{relative}/" + rows_from_one).alias("inference_id")


def write_prediction_ids(
    output: str,
    name: str,
    input_uri: str,
    ids: pl.Series,
    predictions: np.ndarray,
    objective: str | None = None,
) -> str:
    """Ids, the model's outputs and their input rows beside the output, for joins with
    labels."""
    import polars as pl

    frame = pl.DataFrame(
        {
            "inference_id": ids.cast(pl.String),
            **output_columns(predictions, objective),
            "input_file": pl.repeat(input_uri, len(ids), eager=True, dtype=pl.String),
            "row": pl.int_range(1, len(ids) + 1, eager=True, dtype=pl.Int64),
        }
    )
    target = artifacts.join(output, PREDICTIONS_FOLDER, f"{name}.parquet")
    buffer = io.BytesIO()
    frame.write_parquet(buffer)
    artifacts.write_bytes(target, buffer.getvalue())
    return target


def output_columns(predictions: np.ndarray, objective: str | None) -> dict[str, np.ndarray]:
    """The traced columns of a model's outputs: one probability per class (several outputs),
    `prediction` (a regression's, `reg:*`), else `probability`."""
    if predictions.ndim == 2 and predictions.shape[1] > 1:
        return {f"probability_{k}": predictions[:, k] for k in range(predictions.shape[1])}
    single = predictions.reshape(-1)
    return {"prediction" if str(objective or "").startswith("reg:") else "probability": single}


def trace_prepared_output(
    output: str,
    files: Sequence[DataFile],
    prefix: str,
    output_files: Sequence[str],
    objective: str | None = None,
) -> None:
    """After a prepared-layout transform whose output is the model's outputs alone (one
    number per line, or one per class): ids beside it."""
    import polars as pl

    for item, target in zip(files, output_files, strict=True):
        data = artifacts.read_bytes(target)
        try:
            scored = pl.read_csv(io.BytesIO(data), has_header=False)
        except pl.exceptions.PolarsError:
            return
        if not all(dtype.is_numeric() for dtype in scored.dtypes):
            return  # joined or filtered output: not the model's outputs alone
        predictions = scored.cast(pl.Float64).to_numpy()
        ids = generated_ids(prefix, item.relative, scored.height)
        write_prediction_ids(output, output_name(item), item.uri, ids, predictions, objective)
