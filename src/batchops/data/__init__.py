"""Datasets as every reader sees them: which files a URI names, their format and compression,
whether a CSV file has a header, and read errors that name the file and line.

- `files`: `list_data_files(uri)` (a file, a folder with Spark-style part files, or a prefix;
  local or any fsspec URL) → `DataFile`s; `read_range`, `open_bytes` (decompressing).
- `formats`: the one file-name / content-type → format map (CSV, JSON Lines, Parquet) and
  compression suffixes.
- `csv`: the header rule, column names, Arrow read options, line-aligned blocks and parts.
- `errors`: Arrow CSV / JSON / Parquet errors as `InvalidInput` naming the file and line.

The monitor, the transform and the models read through this package, so a dataset URI means
the same files, formats and messages everywhere. It depends only on the store, settings and
errors.
"""

from batchops.data.csv import Part, split_parts
from batchops.data.files import DataFile, check_format, list_data_files, read_range
from batchops.data.formats import CSV, FORMATS, JSON_LINES, PARQUET, format_from_name

__all__ = [
    "CSV",
    "FORMATS",
    "JSON_LINES",
    "PARQUET",
    "DataFile",
    "Part",
    "check_format",
    "format_from_name",
    "list_data_files",
    "read_range",
    "split_parts",
]
