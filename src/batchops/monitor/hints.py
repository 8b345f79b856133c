"""Plain words beside Model Monitor's findings, for the two mistakes its files do not explain.

A header row read as data still gives one `data_type_check` per column, and a batch of another
width still gives `missing_column_check`/`extra_column_check` per column: the files stay
Model Monitor's. These hints name the cause once, for a person to read on stderr.
"""

from __future__ import annotations

from batchops.data.csv import first_rows, looks_like_header
from batchops.data.formats import CSV
from batchops.monitor.dataset import MonitoredInput

_PREVIEW_FIELDS = 3


def header_read_as_data(source: MonitoredInput) -> str | None:
    """The first file's first row looks like a header, but the job read it as data."""
    first = source.files[0]
    if source.layout.header or first.format != CSV:
        return None
    rows = first_rows(first)
    if not rows or not looks_like_header(rows):
        return None
    fields = [value.strip() for value in rows[0]]
    preview = ", ".join(fields[:_PREVIEW_FIELDS]) + (", …" if len(fields) > _PREVIEW_FIELDS else "")
    return (
        f"the first row of {first.uri} looks like a header ({preview}) but was read as data, "
        "so each column's type counts it as a text value; if it is a header, pass --header"
    )


def column_count_differs(baseline_columns: int, source: MonitoredInput) -> str | None:
    """The batch has another number of columns than the baseline has features."""
    batch_columns = len(source.included)
    if batch_columns == baseline_columns:
        return None
    return f"the baseline has {baseline_columns} columns, the batch has {batch_columns}"
