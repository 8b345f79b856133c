"""Streaming tabular input for profiling: CSV (with or without a header), Parquet and JSON
Lines, by batches, each column as numbers or text.

Which files a dataset holds, their format, compression and header, and the wording of read
errors come from `batchops.data`, shared with the transform. Memory is bounded by the block
size, never by the input: CSV is read in blocks ending at a line break, one `read_csv` call
each, Parquet by row batches, JSON Lines through `pyarrow.json.open_json`.

Every column is handed out either as float64 (numbers) or as strings (text). The CSV reader
parses a column as numbers while its text allows it; when a later block holds text in such a
column, Arrow stops, and the reader raises `ColumnTurnedText` so the consumer can read the whole
dataset again with that column as text (every part must agree on a column's type).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa

from batchops.data import csv as data_csv
from batchops.data.csv import BLOCK_SIZE, Part, split_parts
from batchops.data.errors import csv_error, invalid_row, json_error, parquet_error
from batchops.data.files import DataFile, read_first_lines
from batchops.data.formats import JSON_LINES, PARQUET
from batchops.errors import InvalidInput

__all__ = ["BLOCK_SIZE", "Part", "split_parts"]  # the parts a profile is read in

NUMBER = "number"
TEXT = "text"

PROBE_BYTES = 1 << 20
"""Bytes Arrow infers column types from; text showing up later is handled as it comes."""

PARQUET_BATCH_ROWS = 65_536
_CONVERSION_ERROR = re.compile(r"In CSV column #(\d+): .*CSV conversion error")


@dataclass(frozen=True)
class Layout:
    """How the files of a dataset are read: header or not, the columns and their names."""

    header: bool
    physical_names: tuple[str, ...]
    """Names of the file's columns as read (header names, or `_c0`... without a header)."""


def read_layout(file: DataFile, header: bool) -> Layout:
    """Column names of one file: its header, or Model Monitor's names for a headerless file."""
    if file.format == PARQUET:
        import pyarrow.parquet as pq

        with file.open() as handle:
            names = pq.ParquetFile(handle).schema_arrow.names
        return Layout(True, tuple(names))
    if file.format == JSON_LINES:
        return Layout(True, tuple(_first_block_schema(file, Layout(True, ())).keys()))
    return Layout(header, data_csv.column_names(file, header))


def probe_types(file: DataFile, layout: Layout) -> tuple[dict[str, str], set[str]]:
    """Let Arrow infer each column's kind from the first block: `number` or `text`; and which
    number columns held only integers there.

    Columns that are empty in the first block start as integer numbers (the reader switches
    them to text if text shows up later).
    """
    kinds: dict[str, str] = {}
    integers: set[str] = set()
    for name, arrow_type in _first_block_schema(file, layout).items():
        integral = pa.types.is_integer(arrow_type) or pa.types.is_null(arrow_type)
        kinds[name] = NUMBER if integral or _is_number(arrow_type) else TEXT
        if integral:
            integers.add(name)
    return kinds, integers


def _first_block_schema(file: DataFile, layout: Layout) -> dict[str, pa.DataType]:
    if file.format == PARQUET:
        import pyarrow.parquet as pq

        with file.open() as handle:
            schema = pq.ParquetFile(handle).schema_arrow
        return {f.name: f.type for f in schema}
    if file.format == JSON_LINES:
        import pyarrow.json as pj

        with file.open() as handle:
            try:
                reader = pj.open_json(handle, read_options=pj.ReadOptions(block_size=PROBE_BYTES))
            except pa.ArrowInvalid as error:
                raise json_error(file.uri, error) from None
            return {f.name: f.type for f in reader.schema}
    from pyarrow import csv

    # Arrow's first block must hold the header and a record whole, however wide they are.
    first_lines = len(read_first_lines(file.uri, 2)[0])
    with data_csv.open_csv_input(file) as source:
        try:
            reader = csv.open_csv(
                source,
                read_options=data_csv.read_options(
                    layout.physical_names,
                    skip_rows=1 if layout.header else 0,
                    block_size=max(PROBE_BYTES, first_lines + 1),
                ),
                convert_options=csv.ConvertOptions(null_values=[""], strings_can_be_null=True),
            )
        except pa.ArrowInvalid as error:
            raise csv_error(file.uri, error, lambda row: row) from None
        return {f.name: f.type for f in reader.schema}


class ColumnTurnedText(Exception):
    """A column read as numbers holds text: the dataset is to be read again, the column as
    text (`profiling.profile_dataset`)."""

    def __init__(self, column: str) -> None:
        super().__init__(f"column '{column}' holds text")
        self.column = column

    def __reduce__(self) -> tuple[type[ColumnTurnedText], tuple[str]]:
        # Raised on a Dask worker, it crosses to the client as a pickle.
        return (ColumnTurnedText, (self.column,))


@dataclass
class ReadPlan:
    """What to read from each file: which columns, and as numbers or text."""

    layout: Layout
    kinds: dict[str, str]
    include: list[str] = field(default_factory=list)
    block_size: int = BLOCK_SIZE


def read_batches(part: Part, plan: ReadPlan) -> Iterator[pa.RecordBatch]:
    """Record batches of `part` with the planned columns as float64 or string arrays."""
    if part.file.format == PARQUET:
        yield from _parquet_batches(part.file, plan)
    elif part.file.format == JSON_LINES:
        yield from _json_batches(part.file, plan)
    else:
        yield from _csv_batches(part, plan)


_PARSE_CHUNK = 1 << 20
"""Bytes Arrow parses at a time within a block: small enough to stay in the CPU's cache
(parsing 8 MiB at once ran at half the speed here); the block is joined into one batch after."""


def _csv_batches(part: Part, plan: ReadPlan) -> Iterator[pa.RecordBatch]:
    from pyarrow import csv

    file = part.file
    include = plan.include or list(plan.layout.physical_names)
    types = {n: pa.float64() if plan.kinds[n] == NUMBER else pa.string() for n in include}
    for block in data_csv.blocks(part, plan.block_size):
        header_rows = 1 if plan.layout.header and part.is_first and block.start == 0 else 0
        invalid: list[Any] = []

        def refuse(row: Any, invalid: list[Any] = invalid) -> str:
            invalid.append(row)
            return "error"

        try:
            table = _read_block(
                block.data,
                read_options=data_csv.read_options(
                    plan.layout.physical_names, header_rows, _PARSE_CHUNK
                ),
                parse_options=csv.ParseOptions(invalid_row_handler=refuse),
                convert_options=csv.ConvertOptions(
                    column_types=types,
                    include_columns=include,
                    null_values=[""],
                    strings_can_be_null=True,
                    quoted_strings_can_be_null=True,
                ),
            )
        except pa.ArrowInvalid as error:
            match = _CONVERSION_ERROR.search(str(error))
            column = None if match is None else plan.layout.physical_names[int(match.group(1))]
            if column is None or plan.kinds.get(column) != NUMBER:
                raise _placed(file, error, block, invalid) from None
            raise ColumnTurnedText(column) from None
        yield from table.combine_chunks().to_batches()


def _read_block(data: pa.Buffer, read_options: Any, **options: Any) -> pa.Table:
    """Arrow's CSV read of a block; a line longer than a parse chunk (Arrow: "straddles two
    block boundaries", or a header "larger than block size") is read again with the whole
    block as one chunk."""
    from pyarrow import csv

    try:
        return csv.read_csv(data, read_options=read_options, **options)
    except pa.ArrowInvalid as error:
        too_long = "straddl" in str(error) or "larger than block size" in str(error)
        if not too_long or read_options.block_size >= data.size:
            raise
    read_options.block_size = data.size
    return csv.read_csv(data, read_options=read_options, **options)


def _placed(
    file: DataFile, error: Exception, block: data_csv.Block, invalid: list[Any]
) -> InvalidInput:
    """The error at its line of the file: rows are numbered from the block's start."""

    def line_of(row: int) -> int:
        return row + data_csv.lines_before(file, block)

    if invalid:
        return invalid_row(file.uri, invalid[0], line_of)
    return csv_error(file.uri, error, line_of)


def _normalise_batch(batch: pa.RecordBatch, plan: ReadPlan, file: DataFile) -> pa.RecordBatch:
    """Parquet and JSON columns as float64 (numbers) or string (everything else), as the plan
    says: files of one dataset may disagree on a column's type, its parts must not."""
    include = plan.include or list(plan.layout.physical_names)
    arrays = []
    for name in include:
        wanted = pa.float64() if plan.kinds[name] == NUMBER else pa.string()
        index = batch.schema.get_field_index(name)
        array = pa.nulls(batch.num_rows) if index < 0 else batch.column(index)
        if pa.types.is_null(array.type) or (wanted == pa.string() and _is_number(array.type)):
            array = array.cast(wanted)  # a number in a text column reads as its text, as in CSV
        array = _as_number_or_text(array, file, name)
        if array.type != wanted:
            raise ColumnTurnedText(name)
        arrays.append(array)
    return pa.RecordBatch.from_arrays(arrays, names=include)


def _is_number(kind: pa.DataType) -> bool:
    return pa.types.is_floating(kind) or pa.types.is_integer(kind) or pa.types.is_decimal(kind)


def _as_number_or_text(array: pa.Array, file: DataFile, name: str) -> pa.Array:
    kind = array.type
    if _is_number(kind):
        return array.cast(pa.float64())
    if pa.types.is_string(kind):
        return array
    if pa.types.is_boolean(kind):
        import pyarrow.compute as pc

        return pc.if_else(array, "true", "false")
    try:
        return array.cast(pa.string())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        raise InvalidInput(
            f"{file.uri}: column '{name}' holds {kind} values, which cannot be monitored; "
            "list it among the ignored columns"
        ) from None


def _parquet_batches(file: DataFile, plan: ReadPlan) -> Iterator[pa.RecordBatch]:
    import pyarrow.parquet as pq

    with file.open() as handle:
        try:
            parquet = pq.ParquetFile(handle)
        except pa.ArrowInvalid as error:
            raise parquet_error(file.uri, error) from None
        present = set(parquet.schema_arrow.names)
        columns = [name for name in (plan.include or plan.layout.physical_names) if name in present]
        for batch in parquet.iter_batches(batch_size=PARQUET_BATCH_ROWS, columns=columns):
            yield _normalise_batch(batch, plan, file)


def _json_batches(file: DataFile, plan: ReadPlan) -> Iterator[pa.RecordBatch]:
    import pyarrow.json as pj

    with file.open() as handle:
        try:
            reader = pj.open_json(
                handle,
                read_options=pj.ReadOptions(block_size=plan.block_size),
                parse_options=pj.ParseOptions(unexpected_field_behavior="ignore"),
            )
            for batch in reader:
                yield _normalise_batch(batch, plan, file)
        except pa.ArrowInvalid as error:
            raise json_error(file.uri, error) from None
