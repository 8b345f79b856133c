"""Numeric CSV blocks parsed column-wise, with errors that name the file, line and column.

Both training (whole channel files) and the transform (byte ranges of one file) read
headerless numeric CSV; pyarrow parses it, and when it refuses a row this module turns its
row number into the line of the file a person can open.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

from batchops.errors import InvalidInput, at_line

if TYPE_CHECKING:
    import numpy as np
    import pyarrow as pa

_ROW = re.compile(r"Row #(\d+)")
_COLUMN = re.compile(r"In CSV column #(\d+)")
_EXPECTED = re.compile(r"Expected (\d+) columns, got (\d+)")
_VALUE = re.compile(r"invalid value '(.*)'$", re.DOTALL)


class CsvRowError(InvalidInput):
    """A CSV error at a known place; `line` is the file's 1-based line, when known."""

    def __init__(self, source: str, line: int | None, detail: str) -> None:
        super().__init__(str(at_line(source, line, detail)))
        self.source = source
        self.line = line
        self.detail = detail


def read_numeric_block(
    data: bytes | memoryview,
    *,
    source: str,
    first_line: int,
    column_names: Sequence[str],
    include: Sequence[str] | None = None,
    use_threads: bool = False,
) -> pa.Table:
    """Parse `data` (whole lines, no header) into float32 columns; empty lines are skipped.

    `first_line` is the file's line number of the first byte of `data`, so that an error
    can say where the offending row really is.
    """
    import pyarrow as pa
    import pyarrow.csv as pacsv

    wanted = list(include) if include is not None else list(column_names)
    read = pacsv.ReadOptions(
        column_names=list(column_names), use_threads=use_threads, block_size=_block_size(data)
    )
    convert = pacsv.ConvertOptions(
        column_types={name: pa.float32() for name in wanted}, include_columns=wanted
    )
    try:
        return pacsv.read_csv(pa.py_buffer(data), read_options=read, convert_options=convert)
    except pa.ArrowInvalid as exc:
        message = str(exc)
        if use_threads and not _ROW.search(message):
            # Only the single-threaded reader knows row numbers; ask it again to place it.
            return read_numeric_block(
                data,
                source=source,
                first_line=first_line,
                column_names=column_names,
                include=include,
                use_threads=False,
            )
        raise describe_csv_error(message, data, source, first_line, column_names) from None


def _block_size(data: bytes | memoryview) -> int:
    return max(1 << 20, min(len(data) + 1, 1 << 30))


def describe_csv_error(
    message: str,
    data: bytes | memoryview,
    source: str,
    first_line: int,
    column_names: Sequence[str],
) -> CsvRowError:
    """An InvalidInput for a pyarrow CSV error, pointing at the line in the file."""
    row = _ROW.search(message)
    line = first_line + line_of_row(data, int(row.group(1))) if row else None
    expected = _EXPECTED.search(message)
    if expected:
        want, got = int(expected.group(1)), int(expected.group(2))
        return CsvRowError(source, line, f"expected {want} fields, found {got}")
    column = _COLUMN.search(message)
    value = _VALUE.search(message)
    if column:
        index = int(column.group(1))
        shown = value.group(1) if value else "?"
        return CsvRowError(source, line, f"column {index + 1}: {shown!r} is not a number")
    detail = message.removeprefix("CSV parse error: ")
    return CsvRowError(source, line, f"cannot parse CSV ({detail})")


def line_of_row(data: bytes | memoryview, row: int) -> int:
    """0-based line offset, within `data`, of pyarrow's 1-based `row` (empty lines skipped)."""
    import numpy as np

    raw = np.frombuffer(data, dtype=np.uint8)
    ends = np.flatnonzero(raw == 10)
    starts = np.concatenate(([0], ends + 1))
    stops = np.concatenate((ends, [raw.size]))
    lengths = stops - starts
    carriage = (lengths == 1) & (raw[np.minimum(starts, max(raw.size - 1, 0))] == 13)
    filled = np.flatnonzero((lengths > 0) & ~carriage)
    if row - 1 < filled.size:
        return int(filled[row - 1])
    return int(filled[-1]) if filled.size else 0


def table_to_matrix(table: pa.Table) -> np.ndarray:
    """A (rows, columns) float32 array of a table of float32 columns; nulls become NaN."""
    import numpy as np

    matrix = np.empty((table.num_rows, table.num_columns), dtype=np.float32, order="F")
    for index, column in enumerate(table.columns):
        # One chunk converts without a copy; several are joined; nulls become NaN.
        matrix[:, index] = column.to_numpy()
    return matrix
