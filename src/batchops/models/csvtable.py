"""Numeric CSV blocks parsed column-wise, with errors that name the file, line and column.

Both training (whole channel files) and the transform (byte ranges of one file) read
headerless numeric CSV; pyarrow parses it, and when it refuses a row `batchops.data.errors`
turns its row number into the line of the file a person can open, worded as everywhere.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from batchops.data.errors import CsvRowError, csv_error, line_of_row

if TYPE_CHECKING:
    import numpy as np
    import pyarrow as pa


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
        if use_threads and "Row #" not in message:
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
    return csv_error(source, message, lambda row: first_line + line_of_row(data, row))


def table_to_matrix(table: pa.Table) -> np.ndarray:
    """A (rows, columns) float32 array of a table of float32 columns; nulls become NaN."""
    import numpy as np

    matrix = np.empty((table.num_rows, table.num_columns), dtype=np.float32, order="F")
    for index, column in enumerate(table.columns):
        # One chunk converts without a copy; several are joined; nulls become NaN.
        matrix[:, index] = column.to_numpy()
    return matrix
