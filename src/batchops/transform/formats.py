"""Content types a transform reads and writes, by their MIME names.

Which format a file or a content type means is `batchops.data.formats`' one map; a transform
names formats by their MIME types, as SageMaker batch transform does.
"""

from __future__ import annotations

from batchops.data import formats as data_formats
from batchops.data.files import DataFile
from batchops.errors import InvalidInput

CSV = data_formats.content_type(data_formats.CSV)
JSONLINES = data_formats.content_type(data_formats.JSON_LINES)
PARQUET = data_formats.content_type(data_formats.PARQUET)


def normalize(content_type: str) -> str:
    """The MIME type of a content type or format name (`text/csv`, `csv`, `jsonl`, ...)."""
    return data_formats.content_type(data_formats.parse_format(content_type))


def of_file(file: DataFile) -> str:
    """The content type of a listed input file (its name's format, or the one given)."""
    return data_formats.content_type(file.format)


def output_type(accept: str | None, content_type: str) -> str:
    """What the output holds: `accept`, else the input's type (CSV for Parquet input)."""
    chosen = normalize(accept) if accept else (CSV if content_type == PARQUET else content_type)
    if chosen == PARQUET:
        raise InvalidInput(f"accept {PARQUET} is not supported: outputs are line-based text")
    return chosen
