"""Content types a transform reads and writes, by their MIME names and common aliases."""

from __future__ import annotations

from batchops.errors import InvalidInput

CSV = "text/csv"
JSONLINES = "application/jsonlines"
PARQUET = "application/x-parquet"

_ALIASES = {
    "text/csv": CSV,
    "csv": CSV,
    "application/csv": CSV,
    "application/jsonlines": JSONLINES,
    "application/x-jsonlines": JSONLINES,
    "application/json": JSONLINES,
    "jsonlines": JSONLINES,
    "jsonl": JSONLINES,
    "json": JSONLINES,
    "application/x-parquet": PARQUET,
    "application/parquet": PARQUET,
    "application/vnd.apache.parquet": PARQUET,
    "parquet": PARQUET,
}
_EXTENSIONS = {
    ".csv": CSV,
    ".jsonl": JSONLINES,
    ".jsonlines": JSONLINES,
    ".json": JSONLINES,
    ".parquet": PARQUET,
    ".pq": PARQUET,
}


def normalize(content_type: str) -> str:
    key = content_type.split(";", 1)[0].strip().lower()
    if key not in _ALIASES:
        raise InvalidInput(
            f"unsupported content type {content_type!r}; use {CSV}, {JSONLINES} or {PARQUET}"
        )
    return _ALIASES[key]


def from_name(name: str) -> str:
    """The content type a file name suggests, CSV when it suggests none."""
    lowered = name.lower()
    for extension, content_type in _EXTENSIONS.items():
        if lowered.endswith(extension):
            return content_type
    return CSV


def output_type(accept: str | None, content_type: str) -> str:
    """What the output holds: `accept`, else the input's type (CSV for Parquet input)."""
    chosen = normalize(accept) if accept else (CSV if content_type == PARQUET else content_type)
    if chosen == PARQUET:
        raise InvalidInput(f"accept {PARQUET} is not supported: outputs are line-based text")
    return chosen
