"""Arrow's read errors as messages a person can act on: the file, the line, what is wrong.

Arrow numbers rows within the block it was given and words its errors for its own
developers; every reader turns them into `InvalidInput` here, so the monitor, the transform
and training say the same thing about the same bad file:

- `<file>, line N: expected 4 fields, found 3: <the row>`
- `<file>, line N: column 3: 'abc' is not a number`
- `<file>, line N: cannot parse CSV (<Arrow's reason>)`
- `<file>: empty file`, `<file>: not valid JSON Lines (...)`,
  `<file>: not a readable Parquet file (...)`
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from batchops.errors import InvalidInput, at_line

EMPTY = "empty file"

_ROW = re.compile(r"Row #(\d+)")
_COLUMN = re.compile(r"In CSV column #(\d+)")
_WIDTH = re.compile(r"Expected (\d+) columns, got (\d+)(?:: (.*))?", re.DOTALL)
_VALUE = re.compile(r"invalid value '(.*)'$", re.DOTALL)


class CsvRowError(InvalidInput):
    """A CSV error at a known place; `line` is the file's 1-based line, when known."""

    def __init__(self, source: str, line: int | None, detail: str) -> None:
        super().__init__(str(at_line(source, line, detail)))
        self.source = source
        self.line = line
        self.detail = detail


def wrong_width(source: str, line: int | None, expected: int, found: int, text: str) -> CsvRowError:
    """A row with another number of fields than the first row (or the header) has."""
    shown = f": {shorten(text)}" if text else ""
    return CsvRowError(source, line, f"expected {expected} fields, found {found}{shown}")


def invalid_row(source: str, row: Any, line_of: Callable[[int], int]) -> CsvRowError:
    """An `InvalidRow` that Arrow handed to a `ParseOptions.invalid_row_handler`."""
    line = line_of(row.number) if row.number is not None else None
    return wrong_width(source, line, row.expected_columns, row.actual_columns, row.text)


def csv_error(
    source: str, error: BaseException | str, line_of: Callable[[int], int] | None = None
) -> CsvRowError:
    """An `InvalidInput` for an Arrow CSV error; `line_of` turns Arrow's 1-based row number
    within the parsed bytes into the file's line (rows unplaced when not given)."""
    message = str(error).removeprefix("CSV parse error: ")
    if "Empty CSV file" in message:
        return CsvRowError(source, None, EMPTY)
    row = _ROW.search(message)
    line = line_of(int(row.group(1))) if row and line_of is not None else None
    width = _WIDTH.search(message)
    if width:
        expected, found, text = width.groups()
        return wrong_width(source, line, int(expected), int(found), text or "")
    column = _COLUMN.search(message)
    if column:
        value = _VALUE.search(message)
        shown = value.group(1) if value else "?"
        return CsvRowError(
            source, line, f"column {int(column.group(1)) + 1}: {shown!r} is not a number"
        )
    detail = _ROW.sub("", message).lstrip(": ").strip() if row else message
    return CsvRowError(source, line, f"cannot parse CSV ({detail})")


def line_of_row(data: bytes | memoryview, row: int) -> int:
    """0-based line offset, within `data`, of Arrow's 1-based `row` (which skips empty lines)."""
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


def json_error(source: str, error: BaseException) -> InvalidInput:
    return InvalidInput(f"{source}: not valid JSON Lines ({error})")


def parquet_error(source: str, error: BaseException) -> InvalidInput:
    return InvalidInput(f"{source}: not a readable Parquet file ({error})")


def shorten(text: str, limit: int = 80) -> str:
    text = text.rstrip("\r\n")
    return text if len(text) <= limit else text[: limit - 3] + "..."
