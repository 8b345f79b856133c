"""Cutting inputs into mini-batches, and the checks that can be made before scoring starts.

Runs in the main process and reads only a little of each file: the first lines (header,
field count) and a few bytes at each cut to land on a line end. Workers read the byte
ranges themselves, so the data crosses no pipe. A compressed file can only be read front to
back, so it is one batch, read as a stream by one worker.

Files, formats, compression and the header rule are `batchops.data`'s, as for the monitor;
what is the transform's own is checking records against the model and cutting batches.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from batchops.data.csv import (
    allow_long_fields,
    is_splittable,
    line_end,
    looks_like_header,
    parse_rows,
)
from batchops.data.errors import EMPTY, parquet_error
from batchops.data.files import TO_END, DataFile, check_format, read_first_lines, read_range
from batchops.data.formats import check_content
from batchops.errors import InvalidInput, at_line
from batchops.models.manifest import ModelManifest
from batchops.store.artifacts import filesystem
from batchops.transform import formats
from batchops.transform.jsonpath import JsonPath, Names, Positions

_PROBE = 1 << 16
_BOM = b"\xef\xbb\xbf"


@dataclass(frozen=True)
class FileSpec:
    """What a worker needs to know about one input file beyond a byte range."""

    input: DataFile
    content_type: str
    width: int = 0
    header: tuple[str, ...] | None = None
    data_start: int = 0
    first_line: int = 1
    records: str = "array"
    row_group_rows: tuple[int, ...] = ()

    @property
    def uri(self) -> str:
        return self.input.uri


@dataclass(frozen=True)
class Task:
    """One mini-batch: bytes [start, end) of a text file, or row group `start` of a Parquet file."""

    seq: int
    file_index: int
    file: FileSpec
    start: int
    end: int
    first_row: int = 0


def plan_file(
    item: DataFile,
    content_type: str,
    header: bool | None,
    manifest: ModelManifest,
    input_filter: JsonPath,
) -> FileSpec:
    if content_type == formats.PARQUET:
        check_format(item)
        return _plan_parquet(item, manifest, input_filter)
    head = _first_lines(item)
    if not head:
        raise InvalidInput(f"{item.uri}: {EMPTY}")
    check_content(item.uri, item.format, head, arrays_allowed=True)
    # A byte order mark (spreadsheets write one) is not data: skip it, or it would make the
    # first field text and the first line pass for a header.
    skip = len(_BOM) if head.startswith(_BOM) else 0
    head = head[skip:]
    if not head.strip():
        raise InvalidInput(f"{item.uri}: {EMPTY} (only blank lines)")
    if content_type == formats.JSONLINES:
        first = head.lstrip()[:1]
        if first not in (b"{", b"["):
            line = head[: len(head) - len(head.lstrip())].count(b"\n") + 1
            raise at_line(item.uri, line, "expected a JSON object or array per line")
        records = "object" if first == b"{" else "array"
        return FileSpec(item, content_type, data_start=skip, records=records)
    return _plan_csv(item, head, skip, header, manifest, input_filter)


def _first_lines(item: DataFile) -> bytes:
    """The file's (decompressed) start, long enough to hold its first two lines (or all of it)."""
    return read_first_lines(item.uri, 2)[0]


def _plan_csv(
    item: DataFile,
    head: bytes,
    skip: int,
    header: bool | None,
    manifest: ModelManifest,
    input_filter: JsonPath,
) -> FileSpec:
    lines = head.split(b"\n")
    if lines and lines[0].strip() == b"":
        raise at_line(item.uri, 1, "the first line is blank; expected a header or a record")
    first = _fields(lines[0], item.uri, 1)
    if len(lines) > 1 and lines[1].strip():
        _fields(lines[1], item.uri, 2)
    known = () if manifest.has_generic_names else manifest.feature_names
    whole = not item.is_compressed and skip + len(head) >= item.size
    has_header = (
        looks_like_header(parse_rows(head, complete=whole), known) if header is None else header
    )
    width = len(first)
    if not input_filter.index_only:
        raise InvalidInput(
            f"input filter {input_filter.expression!r}: CSV records are arrays, so only index "
            "filters apply (like $[1:] or $[0,2,5:])"
        )
    positions = csv_positions(input_filter, width)
    if len(positions) != manifest.n_features:
        raise at_line(
            item.uri,
            1,
            f"{_after(input_filter)}a record has {len(positions)} fields but the model expects "
            f"{manifest.n_features} ({_names_preview(manifest)})"
            + _label_hint(positions, manifest, input_filter),
        )
    if not has_header:
        return FileSpec(item, formats.CSV, width=width, data_start=skip)
    names = tuple(first)
    _check_header_names([names[p] for p in positions], manifest, item.uri, input_filter)
    data_start = skip + len(lines[0]) + 1
    if _blank_from(item, data_start, head[len(lines[0]) + 1 :]):
        raise InvalidInput(f"{item.uri}: a header but no records")
    return FileSpec(
        item, formats.CSV, width=width, header=names, data_start=data_start, first_line=2
    )


def _fields(line: bytes, uri: str, number: int) -> list[str]:
    """The fields of one CSV line (RFC 4180 quoting), read once per file."""
    import csv

    allow_long_fields()
    try:
        text = line.rstrip(b"\r").decode("utf-8")
        return next(csv.reader([text], strict=True))
    except (UnicodeDecodeError, csv.Error, StopIteration) as exc:
        raise at_line(uri, number, f"cannot parse CSV ({exc})") from None


def _blank_from(item: DataFile, start: int, known: bytes) -> bool:
    """Whether nothing but white space follows `start` (`known`: bytes already read there)."""
    if known.strip():
        return False
    window = _PROBE
    while True:
        chunk = read_range(item.uri, start, start + window)
        if chunk.strip():
            return False
        if len(chunk) < window:
            return True
        start, window = start + len(chunk), window * 2


def csv_positions(path: JsonPath, width: int) -> list[int]:
    """The columns of a CSV record an index-only filter keeps, in the order it keeps them."""
    positions = list(range(width))
    for segment in path.segments:
        if isinstance(segment, Positions):
            positions = [positions[i] for i in segment.resolve(len(positions), path.expression)]
    return positions


def _after(path: JsonPath) -> str:
    return "" if path.is_root else f"after input filter {path.expression!r}, "


def _names_preview(manifest: ModelManifest) -> str:
    names = manifest.feature_names
    shown = ", ".join(names[:5]) + (", ..." if len(names) > 5 else "")
    return f"features: {shown}"


def _check_header_names(
    names: list[str], manifest: ModelManifest, uri: str, input_filter: JsonPath
) -> None:
    if manifest.has_generic_names:
        return
    for position, (got, want) in enumerate(zip(names, manifest.feature_names, strict=True)):
        if got != want:
            raise at_line(
                uri,
                1,
                f"{_after(input_filter)}header field {position + 1} is {got!r} where the model "
                f"expects {want!r} (the model's features, in order: {_names_preview(manifest)})",
            )


def parquet_layout(item: DataFile) -> tuple[tuple[int, ...], tuple[str, ...]]:
    """Rows per row group and column names, from the file's footer only."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    fs, path = filesystem(item.uri)
    try:
        with fs.open(path, "rb") as handle:
            metadata = pq.ParquetFile(handle).metadata
    except (pa.ArrowInvalid, OSError) as exc:
        raise parquet_error(item.uri, exc) from None
    rows = tuple(metadata.row_group(i).num_rows for i in range(metadata.num_row_groups))
    return rows, tuple(metadata.schema.to_arrow_schema().names)


def _plan_parquet(item: DataFile, manifest: ModelManifest, input_filter: JsonPath) -> FileSpec:
    rows, names = parquet_layout(item)
    if sum(rows) == 0:
        raise InvalidInput(f"{item.uri}: {EMPTY} (no rows)")
    first = input_filter.segments[0] if input_filter.segments else None
    if isinstance(first, Names) and not input_filter.segments[1:]:
        missing = [name for name in first.names if name not in names]
        if missing:
            raise InvalidInput(
                f"{item.uri}: input filter {input_filter.expression!r} names column "
                f"{missing[0]!r}, which is not among its columns ({', '.join(names[:10])})"
            )
    elif isinstance(first, Positions):
        first.resolve(len(names), input_filter.expression)
    return FileSpec(
        item,
        formats.PARQUET,
        width=len(names),
        header=names,
        records="object",
        row_group_rows=rows,
    )


def batches(specs: list[FileSpec], max_bytes: int) -> Iterator[Task]:
    """Every file's mini-batches in order: byte ranges ending at a line end, or row groups."""
    seq = 0
    for index, spec in enumerate(specs):
        for start, end, first_row in _ranges(spec, max_bytes):
            yield Task(seq, index, spec, start, end, first_row)
            seq += 1


def _ranges(spec: FileSpec, max_bytes: int) -> Iterator[tuple[int, int, int]]:
    if spec.content_type == formats.PARQUET:
        first_row = 0
        for group, rows in enumerate(spec.row_group_rows):
            if rows:
                yield group, group + 1, first_row
            first_row += rows
        return
    if not is_splittable(spec.input):
        yield spec.data_start, TO_END, 0  # compressed: one stream, read front to back
        return
    size = spec.input.size
    start = spec.data_start
    while start < size:
        end = size if start + max_bytes >= size else line_end(spec.uri, start + max_bytes, size)
        yield start, end, 0
        start = end


def _label_hint(positions: list[int], manifest: ModelManifest, input_filter: JsonPath) -> str:
    """One field too many, unfiltered, is nearly always the label, as in the walkthrough's
    batch files."""
    if not input_filter.segments and len(positions) == manifest.n_features + 1:
        return "; if the first field is the label, drop it with `input_filter` '$[1:]'"
    return ""
