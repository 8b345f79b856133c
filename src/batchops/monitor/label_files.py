"""A label file read batch by batch: (inference id, label) as text, each row with its line.

CSV (an id column and a label column, by name), SageMaker's ground-truth JSON Lines
(`{"groundTruthData": {"data": "1"}, "eventMetadata": {"eventId": "…"}}`, other fields
ignored) or Parquet. CSV and JSON Lines are cut into blocks of whole lines (`data.csv`'s
blocks, decompressed as the name says) and each block is parsed by one Arrow call, so memory
follows the block, not the file. Arrow's JSON parser is not recursive: a record nested 100,000
deep is a wrong type on its line, never a RecursionError. Every problem is one `InvalidInput`
naming the file and the line.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from batchops.data import csv as data_csv
from batchops.data.errors import csv_error, line_of_row, parquet_error
from batchops.data.files import DataFile
from batchops.data.formats import JSON_LINES, PARQUET, format_from_name
from batchops.errors import InvalidInput, at_line

if TYPE_CHECKING:
    import pyarrow as pa

BLOCK_BYTES = 8 << 20
PARQUET_BATCH_ROWS = 1 << 18
_JSON_ROW = re.compile(r" in row (\d+)$")


@dataclass(frozen=True)
class LabelBatch:
    """Labels of consecutive rows: `ids` and `labels` as Arrow strings (labels raw, nulls kept)."""

    ids: pa.Array
    labels: pa.Array
    line_of: Callable[[int], int | None]
    """The file's 1-based line of the batch's 0-based row (None where a format has no lines)."""
    names: tuple[str, str] = ("id", "label")
    """Where the id and the label are in the file, as messages name them."""


def label_batches(
    source: str, *, id_column: str | None = None, label_column: str | None = None
) -> Iterator[LabelBatch]:
    """The file's labels in order; CSV and Parquet need the two column names."""
    file = DataFile(source, format_from_name(source))
    if file.format == JSON_LINES:
        yield from _json_batches(file)
        return
    if not id_column or not label_column:
        raise InvalidInput(f"{source}: a CSV of labels needs --id-column and --label-column")
    if file.format == PARQUET:
        yield from _parquet_batches(file, id_column, label_column)
    else:
        yield from _csv_batches(file, id_column, label_column)


def _blocks(file: DataFile) -> Iterator[data_csv.Block]:
    try:
        yield from data_csv.stream_blocks(file, BLOCK_BYTES)
    except FileNotFoundError:
        raise InvalidInput(f"{file.uri} does not exist") from None


def _lines(block: data_csv.Block, header_rows: int) -> Callable[[int], int | None]:
    """Row i of a block's parsed rows (empty lines skipped, as Arrow skips them) -> line."""

    def line_of(row: int) -> int | None:
        return int(block.lines_before or 0) + line_of_row(block.data, row + 1 + header_rows) + 1

    return line_of


def _csv_batches(file: DataFile, id_column: str, label_column: str) -> Iterator[LabelBatch]:
    import pyarrow as pa
    from pyarrow import csv

    names: list[str] | None = None
    for block in _blocks(file):
        header_rows = 0
        if names is None:
            first = bytes(memoryview(block.data)[: 1 << 20]).split(b"\n", 1)[0]
            names = list(data_csv.header_names(_header_row(first), file.uri))
            for column in (id_column, label_column):
                if column not in names:
                    raise InvalidInput(
                        f"{file.uri}: no column {column!r} (it has {', '.join(names)})"
                    )
            header_rows = 1
        line_of = _lines(block, header_rows)
        try:
            table = csv.read_csv(
                block.data,
                read_options=csv.ReadOptions(
                    column_names=names,
                    skip_rows=header_rows,
                    block_size=max(block.data.size, 1),
                    use_threads=False,
                ),
                convert_options=csv.ConvertOptions(
                    column_types=dict.fromkeys((id_column, label_column), pa.string()),
                    include_columns=[id_column, label_column],
                    strings_can_be_null=True,
                    quoted_strings_can_be_null=True,
                ),
            )
        except pa.ArrowInvalid as error:
            raise csv_error(file.uri, error, _arrow_rows(line_of)) from None
        yield LabelBatch(
            table.column(id_column).combine_chunks(),
            table.column(label_column).combine_chunks(),
            line_of,
            (f"column {id_column!r}", f"column {label_column!r}"),
        )


def _arrow_rows(line_of: Callable[[int], int | None]) -> Callable[[int], int]:
    """Arrow's 1-based row numbers of a parse error as lines of the file."""
    return lambda row: line_of(row - 1) or 0


def _header_row(line: bytes) -> list[str]:
    import csv as stdlib_csv

    text = line.decode("utf-8-sig", errors="replace").rstrip("\r")
    return next(stdlib_csv.reader([text]), [])


def _json_batches(file: DataFile) -> Iterator[LabelBatch]:
    import pyarrow as pa
    import pyarrow.json as pj

    schema = pa.schema(
        [
            ("groundTruthData", pa.struct([("data", pa.string())])),
            ("eventMetadata", pa.struct([("eventId", pa.string())])),
        ]
    )
    for block in _blocks(file):
        line_of = _lines(block, 0)
        try:
            table = pj.read_json(
                pa.BufferReader(block.data),
                read_options=pj.ReadOptions(block_size=max(block.data.size, 1), use_threads=False),
                parse_options=pj.ParseOptions(
                    explicit_schema=schema, unexpected_field_behavior="ignore"
                ),
            )
        except pa.ArrowInvalid as error:
            message = str(error).removeprefix("JSON parse error: ")
            row = _JSON_ROW.search(message)
            line = line_of(int(row.group(1))) if row else None
            raise at_line(
                file.uri,
                line,
                "not a SageMaker ground-truth record: groundTruthData.data and "
                f"eventMetadata.eventId must be strings ({_JSON_ROW.sub('', message)})",
            ) from None
        if table.num_rows == 0:
            continue
        ids = table.column("eventMetadata").combine_chunks()
        labels = table.column("groundTruthData").combine_chunks()
        yield LabelBatch(
            _field(ids, "eventId"),
            _field(labels, "data"),
            line_of,
            ("eventMetadata.eventId", "groundTruthData.data"),
        )


def _field(structs: pa.Array, name: str) -> pa.Array:
    """A struct field, null where the struct itself is missing."""
    import pyarrow.compute as pc

    return pc.if_else(structs.is_valid(), structs.field(name), None)


def _parquet_batches(file: DataFile, id_column: str, label_column: str) -> Iterator[LabelBatch]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        with file.open() as handle:
            parquet = pq.ParquetFile(handle)
            missing = {id_column, label_column} - set(parquet.schema_arrow.names)
            if missing:
                raise InvalidInput(
                    f"{file.uri}: no column {sorted(missing)[0]!r} "
                    f"(it has {', '.join(parquet.schema_arrow.names)})"
                )
            for batch in parquet.iter_batches(
                batch_size=PARQUET_BATCH_ROWS, columns=[id_column, label_column]
            ):
                yield LabelBatch(
                    batch.column(id_column).cast(pa.string()),
                    batch.column(label_column).cast(pa.string()),
                    lambda _row: None,
                    (f"column {id_column!r}", f"column {label_column!r}"),
                )
    except FileNotFoundError:
        raise InvalidInput(f"{file.uri} does not exist") from None
    except pa.ArrowInvalid as error:
        raise parquet_error(file.uri, error) from None
