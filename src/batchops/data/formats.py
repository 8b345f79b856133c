"""Which format a data file holds, from its name or a content type, and how it is compressed.

One map serves every reader, so a file name means the same format to the monitor and to the
transform: `.parquet`/`.pq` are Parquet; `.jsonl`, `.jsonlines`, `.ndjson` and `.json` are
JSON Lines (Spark writes JSON Lines as `.json`); anything else is CSV. A compression suffix
(`.gz`, `.bz2`, `.zst`, `.lz4`) is looked through: `a.csv.gz` is gzipped CSV.
"""

from __future__ import annotations

from batchops.errors import InvalidInput

CSV = "csv"
JSON_LINES = "jsonl"
PARQUET = "parquet"
FORMATS = (CSV, PARQUET, JSON_LINES)

FORMAT_NAMES = {CSV: "CSV", PARQUET: "Parquet", JSON_LINES: "JSON Lines"}
"""How messages name each format."""

CONTENT_TYPES = {
    CSV: "text/csv",
    JSON_LINES: "application/jsonlines",
    PARQUET: "application/x-parquet",
}
"""Each format's MIME type, as SageMaker batch transform names it."""

COMPRESSIONS = {".gz": "gzip", ".bz2": "bz2", ".zst": "zstd", ".lz4": "lz4"}
"""Compression suffix → codec: Arrow (local) or fsspec (remote) decompresses as it reads."""

_SUFFIXES = {
    ".parquet": PARQUET,
    ".pq": PARQUET,
    ".jsonl": JSON_LINES,
    ".jsonlines": JSON_LINES,
    ".ndjson": JSON_LINES,
    ".json": JSON_LINES,
    ".csv": CSV,
}
_ALIASES = {
    CSV: CSV,
    "text/csv": CSV,
    "application/csv": CSV,
    JSON_LINES: JSON_LINES,
    "json": JSON_LINES,
    "jsonlines": JSON_LINES,
    "application/jsonlines": JSON_LINES,
    "application/x-jsonlines": JSON_LINES,
    "application/json": JSON_LINES,
    PARQUET: PARQUET,
    "application/x-parquet": PARQUET,
    "application/parquet": PARQUET,
    "application/vnd.apache.parquet": PARQUET,
}


def compression(name: str) -> str | None:
    """The codec a file name's suffix says (`gzip`, ...), None when it is not compressed."""
    lowered = name.lower()
    for suffix, codec in COMPRESSIONS.items():
        if lowered.endswith(suffix):
            return codec
    return None


def format_from_name(name: str) -> str:
    """The format a file name suggests, through any compression suffix; CSV when it says none."""
    lowered = name.lower()
    for suffix in COMPRESSIONS:
        lowered = lowered.removesuffix(suffix)
    for suffix, found in _SUFFIXES.items():
        if lowered.endswith(suffix):
            return found
    return CSV


def parse_format(text: str) -> str:
    """A format given by its short name (`csv`, `jsonl`, `parquet`) or a content type."""
    key = text.split(";", 1)[0].strip().lower()
    if key not in _ALIASES:
        raise InvalidInput(
            f"unknown data format {text!r}: use one of {', '.join(FORMATS)} "
            f"(or {', '.join(CONTENT_TYPES.values())})"
        )
    return _ALIASES[key]


def content_type(data_format: str) -> str:
    return CONTENT_TYPES[data_format]


_GZIP = b"\x1f\x8b"

_BLANK = b"\xef\xbb\xbf \t\r\n"
"""What may stand before a JSON document: a byte order mark and white space."""


def sniff_format(head: bytes) -> str:
    """The format the first (decompressed) bytes of a file look like."""
    if head.startswith(b"PAR1"):
        return PARQUET
    if head.lstrip(_BLANK).startswith(b"{"):
        return JSON_LINES
    return CSV


def check_content(uri: str, declared: str, head: bytes, arrays_allowed: bool = False) -> None:
    """Refuse a file whose first (decompressed) bytes say it is not in its declared format.

    CSV and JSON Lines are told apart only by an object on the first line. A JSON array there
    is refused with its own reason (a JSON document, not JSON Lines) unless `arrays_allowed`
    (the transform scores a record given as an array per line).
    """
    if not head:
        return
    if head.startswith(_GZIP):
        raise InvalidInput(
            f"{uri}: the file is gzip-compressed but its name does not say so; "
            "name it with .gz at the end (like data.csv.gz)"
        )
    if declared == JSON_LINES and head.lstrip(_BLANK).startswith(b"["):
        if arrays_allowed:
            return
        raise InvalidInput(
            f"{uri}: the file holds a JSON array; write one JSON object per line (JSON Lines)"
        )
    looks = sniff_format(head)
    if looks != declared:
        raise InvalidInput(
            f"{uri}: expected {FORMAT_NAMES[declared]} but the file looks like "
            f"{FORMAT_NAMES[looks]}"
        )
