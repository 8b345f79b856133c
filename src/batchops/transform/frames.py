"""A mini-batch of records as polars columns, and SageMaker's filters applied column-wise.

A record is an array (a CSV line, a JSON array) or an object (a JSON object, a Parquet row).
A `Frame` holds one column per field of every record of the batch, so `$[1:]` or
`$['id','score']` select columns, never loop over rows. Filter results that are one field
per record are polars Series (numbers, lists or structs).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from batchops.errors import InvalidInput
from batchops.models.manifest import ModelManifest
from batchops.transform.jsonpath import JsonPath, Names, Positions, Wildcard

if TYPE_CHECKING:
    import numpy as np
    import polars as pl

OUTPUT_KEY = "SageMakerOutput"
INPUT_KEY = "SageMakerInput"

# Maps a 0-based record index of the batch to (line offset within the batch, 0-based).
LineOf = Callable[[int], int]


class RecordError(InvalidInput):
    """Bad input at one record; `line` is the 0-based line offset within the batch."""

    def __init__(self, line: int | None, detail: str) -> None:
        super().__init__(detail)
        self.line = line
        self.detail = detail


@dataclass(frozen=True)
class Frame:
    """Records as columns; addressable by position (arrays) and/or by key (objects)."""

    df: pl.DataFrame
    by_index: bool
    by_name: bool


def apply(path: JsonPath, value: Frame | pl.Series, line_of: LineOf) -> Frame | pl.Series:
    for segment in path.segments:
        if isinstance(segment, Wildcard):
            value = _expand(value, path, line_of) if not isinstance(value, Frame) else value
        elif isinstance(segment, Names):
            value = _by_names(_as_frame(value, path, line_of), segment, path)
        else:
            value = _by_positions(_as_frame(value, path, line_of), segment, path)
    return value


def _expand(series: pl.Series, path: JsonPath, line_of: LineOf) -> Frame | pl.Series:
    import polars as pl

    if isinstance(series.dtype, pl.Struct | pl.List | pl.Array):
        return _as_frame(series, path, line_of)
    return series


def _as_frame(value: Frame | pl.Series, path: JsonPath, line_of: LineOf) -> Frame:
    import polars as pl

    if isinstance(value, Frame):
        return value
    if isinstance(value.dtype, pl.Struct):
        return Frame(value.struct.unnest(), by_index=False, by_name=True)
    if isinstance(value.dtype, pl.List | pl.Array):
        return list_frame(value, line_of)
    raise InvalidInput(
        f"filter {path.expression!r} goes into {value.name!r}, which holds single values "
        f"({value.dtype}), not objects or arrays"
    )


def list_frame(series: pl.Series, line_of: LineOf) -> Frame:
    """Arrays of equal length as one column per position (c0, c1, ...)."""
    import polars as pl

    if isinstance(series.dtype, pl.List):
        lengths = series.list.len()
        width = int(lengths[0]) if len(series) else 0
        odd = (lengths != width).arg_true()
        if len(odd):
            row = int(odd[0])
            raise RecordError(
                line_of(row),
                f"an array of {int(lengths[row])} elements where earlier records have {width}",
            )
        series = series.list.to_array(width)
    width = int(getattr(series.dtype, "size", 0))
    df = series.arr.to_struct([f"c{i}" for i in range(width)]).struct.unnest()
    return Frame(df, by_index=True, by_name=False)


def _by_names(frame: Frame, segment: Names, path: JsonPath) -> Frame | pl.Series:
    if not frame.by_name:
        raise InvalidInput(
            f"filter {path.expression!r} selects by name, but these records are arrays: "
            "select by position instead ($[0], $[1:])"
        )
    missing = [name for name in segment.names if name not in frame.df.columns]
    if missing:
        shown = ", ".join(frame.df.columns[:10])
        raise InvalidInput(
            f"filter {path.expression!r}: the records have no key {missing[0]!r} (keys: {shown})"
        )
    if segment.single:
        return frame.df.get_column(segment.names[0])
    return Frame(frame.df.select(list(segment.names)), by_index=False, by_name=True)


def _by_positions(frame: Frame, segment: Positions, path: JsonPath) -> Frame | pl.Series:
    import polars as pl

    if not frame.by_index:
        raise InvalidInput(
            f"filter {path.expression!r} selects by position, but these records are objects: "
            "select keys instead ($.features, $['id','score'])"
        )
    chosen = segment.resolve(frame.df.width, path.expression)
    columns = frame.df.get_columns()
    if segment.single:
        return columns[chosen[0]]
    picked = [columns[i] for i in chosen]
    if len(set(chosen)) != len(chosen):
        picked = [column.alias(f"c{n}") for n, column in enumerate(picked)]
    return Frame(pl.DataFrame(picked), by_index=True, by_name=frame.by_name)


def to_matrix(
    value: Frame | pl.Series, manifest: ModelManifest, path: JsonPath, line_of: LineOf
) -> np.ndarray:
    """The model's input: a (records, n_features) float32 array, checked against the manifest."""
    import numpy as np
    import polars as pl

    frame = value if isinstance(value, Frame) else _single_frame(value, path, line_of)
    where = "" if path.is_root else f"after input filter {path.expression!r}, "
    if frame.by_name and not manifest.has_generic_names:
        # Named fields (a Parquet column, a JSON key) are matched to the model's features by
        # name, in the model's order; extra fields are not features.
        missing = [name for name in manifest.feature_names if name not in frame.df.columns]
        if missing:
            shown = ", ".join(frame.df.columns[:8]) + (", ..." if frame.df.width > 8 else "")
            raise RecordError(
                line_of(0),
                f"{where}the records have no field {missing[0]!r}, which the model expects "
                f"({len(missing)} of its {manifest.n_features} features are missing; the "
                f"records have: {shown})",
            )
        frame = Frame(frame.df.select(manifest.feature_names), False, True)
    elif frame.df.width != manifest.n_features:
        raise RecordError(
            line_of(0),
            f"{where}a record has {frame.df.width} fields but the model expects "
            f"{manifest.n_features}",
        )
    casts = []
    for column in frame.df.get_columns():
        if isinstance(column.dtype, pl.List | pl.Array | pl.Struct):
            raise RecordError(
                line_of(0), f"field {column.name!r} is nested ({column.dtype}); expected numbers"
            )
        converted = column.cast(pl.Float32, strict=False)
        broken = (converted.is_null() & column.is_not_null()).arg_true()
        if column.dtype == pl.String:
            broken = (converted.is_null() & column.is_not_null() & (column != "")).arg_true()
        if len(broken):
            row = int(broken[0])
            raise RecordError(
                line_of(row), f"field {column.name!r}: {column[row]!r} is not a number"
            )
        casts.append(converted)
    matrix = pl.DataFrame(casts).to_numpy(order="fortran")
    return np.asarray(matrix, dtype=np.float32)


def _single_frame(series: pl.Series, path: JsonPath, line_of: LineOf) -> Frame:
    """One value per record as a frame: objects and arrays spread out, a number as is."""
    expanded = _expand(series, path, line_of)
    if isinstance(expanded, Frame):
        return expanded
    return Frame(series.to_frame(), by_index=True, by_name=False)


def write_csv(value: Frame | pl.Series) -> bytes:
    """One CSV line per record, no header; nested values as JSON text."""
    import io

    import polars as pl

    df = value.df if isinstance(value, Frame) else value.to_frame()
    nested = [
        name
        for name, dtype in df.schema.items()
        if isinstance(dtype, pl.List | pl.Array | pl.Struct)
    ]
    if nested:
        df = df.with_columns(_json_text(name) for name in nested)
    buffer = io.BytesIO()
    df.write_csv(buffer, include_header=False, quote_style="necessary")
    return buffer.getvalue()


def write_jsonl(value: Frame | pl.Series) -> bytes:
    """One JSON value per record: objects for keyed frames, arrays for positional ones."""
    import io

    import polars as pl

    if isinstance(value, Frame) and value.by_name:
        buffer = io.BytesIO()
        value.df.write_ndjson(buffer)
        return buffer.getvalue()
    if isinstance(value, Frame):
        columns = value.df.get_columns()
        try:
            series = pl.DataFrame(columns).select(pl.concat_list(pl.all()).alias("v")).to_series()
        except pl.exceptions.PolarsError:
            series = (
                pl.DataFrame([c.cast(pl.String) for c in columns])
                .select(pl.concat_list(pl.all()).alias("v"))
                .to_series()
            )
        value = series
    return _json_values(value)


def _json_values(series: pl.Series) -> bytes:
    key = series.name or "v"
    return text_lines(series.to_frame(key).select(_json_text(key)))


def _json_text(name: str) -> pl.Expr:
    """Column `name` as JSON text: polars encodes only structs, so wrap it and cut `{"name":`."""
    import polars as pl

    return (
        pl.struct(pl.col(name))
        .struct.json_encode()
        .str.slice(len(name) + 4)
        .str.strip_suffix("}")
        .alias(name)
    )


def text_lines(df: pl.DataFrame) -> bytes:
    """One line per row, fields joined by commas and written as they are (no quoting)."""
    import io

    buffer = io.BytesIO()
    df.write_csv(buffer, include_header=False, quote_style="never")
    return buffer.getvalue()
