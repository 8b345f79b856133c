"""Streaming tabular input: CSV (with or without a header), Parquet and JSON Lines, by batches.

A dataset is a file or a directory of files read in name order, skipping names that start with
`_` or `.` (`_SUCCESS`, `.crc`) and metadata such as `.json`. Memory is bounded by the block
size, never by the input: CSV is read in blocks ending at a line break, one `read_csv` call
each, Parquet by row batches, JSON Lines through `pyarrow.json.open_json`.

Every column is handed out either as float64 (numbers) or as strings (text). The CSV reader
parses a column as numbers while its text allows it; when a later block holds text in such a
column, Arrow stops, and the reader raises `ColumnTurnedText` so the consumer can read the whole
dataset again with that column as text (every part must agree on a column's type).

Headerless files get Model Monitor's column names `_c0`, `_c1`, ... Large local CSV files are
cut at line boundaries into parts that can be profiled in parallel (as Spark, which Model
Monitor runs on, splits CSV files; a quoted value holding a line break is not supported there
either).
"""

from __future__ import annotations

import csv as stdlib_csv
import itertools
import os
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import pyarrow as pa

from batchops.errors import InvalidInput, NotFound, at_line
from batchops.monitor.types import looks_like_number
from batchops.store.artifacts import filesystem

CSV = "csv"
PARQUET = "parquet"
JSON_LINES = "jsonl"
FORMATS = (CSV, PARQUET, JSON_LINES)

NUMBER = "number"
TEXT = "text"

BLOCK_SIZE = 8 << 20
"""Bytes of CSV/JSON parsed at a time: large enough to amortise per-batch work, small in RAM."""

PROBE_BYTES = 1 << 20
"""Bytes Arrow infers column types from; text showing up later is handled as it comes."""

COMPRESSED_SUFFIXES = (".gz", ".bz2", ".zst", ".lz4")
"""Compressed files are decompressed by Arrow (local) or fsspec (remote) as they are read."""

PARQUET_BATCH_ROWS = 65_536
MIN_PART_BYTES = 32 << 20
"""Files smaller than this are read in one piece: starting a worker would cost more."""

_SUFFIX_FORMATS = {
    ".parquet": PARQUET,
    ".pq": PARQUET,
    ".jsonl": JSON_LINES,
    ".ndjson": JSON_LINES,
    ".json": JSON_LINES,  # as Spark writes them; skipped in a directory, where they are metadata
}
_NOT_DATA_SUFFIXES = (
    ".json", ".crc", ".md", ".html", ".htm", ".yaml", ".yml", ".log", ".tmp", ".pkl",
    ".tar.gz", ".zip", ".png", ".svg",
)  # fmt: skip
_CONVERSION_ERROR = re.compile(r"In CSV column #(\d+): .*CSV conversion error")


def headerless_names(count: int) -> list[str]:
    """Model Monitor's names for the columns of a file without a header."""
    return [f"_c{i}" for i in range(count)]


@dataclass(frozen=True)
class DataFile:
    uri: str
    format: str

    @property
    def is_local(self) -> bool:
        return "://" not in self.uri or self.uri.startswith("file://")

    @property
    def is_compressed(self) -> bool:
        return self.uri.lower().endswith(COMPRESSED_SUFFIXES)

    @property
    def local_path(self) -> str:
        return self.uri[len("file://") :] if self.uri.startswith("file://") else self.uri

    def open(self) -> IO[bytes]:
        if self.is_local:
            return open(self.local_path, "rb")
        import fsspec

        handle: IO[bytes] = fsspec.open(self.uri, "rb", compression="infer").open()
        return handle


def list_data_files(data: str | Path, data_format: str | None = None) -> list[DataFile]:
    """The data files of `data` (a file or a directory, local or an fsspec URL), in name order."""
    if data_format is not None and data_format not in FORMATS:
        raise InvalidInput(f"unknown data format '{data_format}': use one of {', '.join(FORMATS)}")
    uri = str(data)
    if "://" not in uri:  # a local path: no need to load fsspec
        if not os.path.exists(uri):
            raise NotFound(f"{uri}: no such file or directory")
        uris = [uri]
        if os.path.isdir(uri):
            uris = [
                os.path.join(uri, name)
                for name in sorted(os.listdir(uri))
                if _is_data_name(name) and not os.path.isdir(os.path.join(uri, name))
            ]
    else:
        fs, path = filesystem(uri)
        if not fs.exists(path):
            raise NotFound(f"{uri}: no such file or directory")
        uris = [uri]
        if fs.isdir(path):
            entries = sorted(fs.ls(path, detail=False))
            uris = [
                _as_uri(uri, entry)
                for entry in entries
                if _is_data_name(entry.rstrip("/").rsplit("/", 1)[-1]) and not fs.isdir(entry)
            ]
    if not uris:
        raise InvalidInput(f"{uri}: the directory holds no data files")
    return [DataFile(item, data_format or _format_from_name(item)) for item in uris]


def _as_uri(original: str, path: str) -> str:
    if "://" in original and not original.startswith("file://"):
        protocol = original.split("://", 1)[0]
        return f"{protocol}://{path}"
    return path


def _is_data_name(name: str) -> bool:
    lowered = name.lower()
    return not name.startswith(("_", ".")) and not lowered.endswith(_NOT_DATA_SUFFIXES)


def _format_from_name(uri: str) -> str:
    lowered = uri.lower()
    for suffix in COMPRESSED_SUFFIXES:
        lowered = lowered.removesuffix(suffix)
    for suffix, found in _SUFFIX_FORMATS.items():
        if lowered.endswith(suffix):
            return found
    return CSV


def check_format(file: DataFile) -> None:
    """Refuse a file whose first bytes say it is not in its declared format."""
    with file.open() as handle:
        head = handle.read(4096)
    if not head:
        return
    if head.startswith(b"\x1f\x8b"):
        return  # compressed: Arrow decompresses it and reports what it finds
    if file.format == JSON_LINES and head.lstrip(_BLANK).startswith(b"["):
        raise InvalidInput(
            f"{file.uri}: the file holds a JSON array; write one JSON object per line (JSON Lines)"
        )
    looks = _sniff_format(head)
    if looks != file.format:
        names = {CSV: "CSV", PARQUET: "Parquet", JSON_LINES: "JSON Lines"}
        raise InvalidInput(
            f"{file.uri}: expected {names[file.format]} but the file looks like {names[looks]}"
        )


_BLANK = b"\xef\xbb\xbf \t\r\n"
"""What may stand before a JSON document: a byte order mark and white space."""


def _sniff_format(head: bytes) -> str:
    if head.startswith(b"PAR1"):
        return PARQUET
    if head.lstrip(_BLANK).startswith(b"{"):
        return JSON_LINES
    return CSV


def sniff_header(file: DataFile, known_names: Sequence[str] = ()) -> bool:
    """Guess whether a CSV file starts with a header row.

    A first row naming any of `known_names` (a baseline's features) is a header. A first row
    of text over columns that hold numbers below it is a header; a first row that holds
    numbers is data. With text everywhere, the first row is a header when none of its values
    occurs again in its column.
    """
    rows = _first_rows(file, 50)
    if rows and {value.strip() for value in rows[0]} & set(known_names):
        return True
    if len(rows) < 2:
        return bool(rows) and not any(looks_like_number(value) for value in rows[0])
    first, rest = rows[0], rows[1:]
    if any(looks_like_number(value) for value in first) or any(value == "" for value in first):
        return False
    for index in range(len(first)):
        below = [row[index] for row in rest if index < len(row) and row[index] != ""]
        if below and all(looks_like_number(value) for value in below):
            return True
    return all(
        first[index] not in {row[index] for row in rest if index < len(row)}
        for index in range(len(first))
    )


def _first_rows(file: DataFile, count: int) -> list[list[str]]:
    with _open_csv_input(file) as source:  # decompressed, whatever the compression
        head = source.read(1 << 16)
    text = head.decode("utf-8-sig", errors="replace")
    lines = text.splitlines()
    if len(head) == 1 << 16 and lines:
        lines = lines[:-1]  # the last line may be cut short
    return list(stdlib_csv.reader(lines[:count]))


@dataclass(frozen=True)
class Layout:
    """How the files of a dataset are read: header or not, the columns and their names."""

    header: bool
    physical_names: tuple[str, ...]
    """Names of the file's columns as read (header names, or `_c0`... without a header)."""


def read_layout(file: DataFile, header: bool) -> Layout:
    """Column names of one file: its header, or Model Monitor's names for a headerless file."""
    if file.format == PARQUET:
        import pyarrow.parquet as pq

        with file.open() as handle:
            names = pq.ParquetFile(handle).schema_arrow.names
        return Layout(True, tuple(names))
    if file.format == JSON_LINES:
        return Layout(True, tuple(_first_block_schema(file, Layout(True, ())).keys()))
    rows = _first_rows(file, 1)
    if not rows:
        raise InvalidInput(f"{file.uri}: the file is empty")
    width = len(rows[0])
    if not header:
        return Layout(False, tuple(headerless_names(width)))
    names = [name.strip() for name in rows[0]]
    seen: set[str] = set()
    for index, name in enumerate(names):
        if not name:
            raise at_line(file.uri, 1, f"column {index + 1} of the header has no name")
        if name in seen:
            raise at_line(file.uri, 1, f"the header names column '{name}' twice")
        seen.add(name)
    return Layout(True, tuple(names))


def probe_types(file: DataFile, layout: Layout) -> tuple[dict[str, str], set[str]]:
    """Let Arrow infer each column's kind from the first block: `number` or `text`; and which
    number columns held only integers there.

    Columns that are empty in the first block start as integer numbers (the reader switches
    them to text if text shows up later).
    """
    kinds: dict[str, str] = {}
    integers: set[str] = set()
    for name, arrow_type in _first_block_schema(file, layout).items():
        integral = pa.types.is_integer(arrow_type) or pa.types.is_null(arrow_type)
        kinds[name] = NUMBER if integral or _is_number(arrow_type) else TEXT
        if integral:
            integers.add(name)
    return kinds, integers


def _first_block_schema(file: DataFile, layout: Layout) -> dict[str, pa.DataType]:
    if file.format == PARQUET:
        import pyarrow.parquet as pq

        with file.open() as handle:
            schema = pq.ParquetFile(handle).schema_arrow
        return {f.name: f.type for f in schema}
    if file.format == JSON_LINES:
        import pyarrow.json as pj

        with file.open() as handle:
            try:
                reader = pj.open_json(handle, read_options=pj.ReadOptions(block_size=PROBE_BYTES))
            except pa.ArrowInvalid as error:
                raise InvalidInput(f"{file.uri}: not valid JSON Lines: {error}") from None
            return {f.name: f.type for f in reader.schema}
    from pyarrow import csv

    with _open_csv_input(file) as source:
        try:
            reader = csv.open_csv(
                source,
                read_options=_csv_read_options(
                    layout, skip_rows=1 if layout.header else 0, block_size=PROBE_BYTES
                ),
                convert_options=csv.ConvertOptions(null_values=[""], strings_can_be_null=True),
            )
        except pa.ArrowInvalid as error:
            raise _csv_error(file, error) from None
        return {f.name: f.type for f in reader.schema}


def _open_csv_input(file: DataFile) -> Any:
    if file.is_local:
        from pyarrow import csv  # noqa: F401 - make sure Arrow's CSV module is loaded

        return pa.input_stream(file.local_path, compression="detect")
    return file.open()


def _csv_read_options(layout: Layout, skip_rows: int, block_size: int = BLOCK_SIZE) -> Any:
    from pyarrow import csv

    return csv.ReadOptions(
        column_names=list(layout.physical_names),
        skip_rows=skip_rows,
        block_size=block_size,
        use_threads=False,  # Arrow then numbers rows in its errors; parts run in parallel
    )


class ColumnTurnedText(Exception):
    """A column read as numbers holds text: the dataset is to be read again, the column as
    text (`profiling.profile_dataset`)."""

    def __init__(self, column: str) -> None:
        super().__init__(f"column '{column}' holds text")
        self.column = column


@dataclass(frozen=True)
class Part:
    """A piece of a file read by one worker: bytes [start, end), or the whole file."""

    file: DataFile
    start: int = 0
    end: int | None = None

    @property
    def is_first(self) -> bool:
        return self.start == 0


def split_parts(
    files: Sequence[DataFile], pieces: int, min_part_bytes: int = MIN_PART_BYTES
) -> list[Part]:
    """Cut large local uncompressed CSV files at line boundaries into about `pieces` parts."""
    parts: list[Part] = []
    for file in files:
        size = os.path.getsize(file.local_path) if file.is_local else 0
        splittable = file.format == CSV and file.is_local and _format_from_name(file.uri) == CSV
        splittable = splittable and not file.is_compressed
        count = min(pieces, size // max(1, min_part_bytes)) if splittable else 1
        if count <= 1:
            parts.append(Part(file))
            continue
        bounds = [0]
        with open(file.local_path, "rb") as handle:
            for i in range(1, count):
                handle.seek(size * i // count)
                handle.readline()
                position = handle.tell()
                if bounds[-1] < position < size:
                    bounds.append(position)
        bounds.append(size)
        for start, end in itertools.pairwise(bounds):
            parts.append(Part(file, start, end))
    return parts


@dataclass
class ReadPlan:
    """What to read from each file: which columns, and as numbers or text."""

    layout: Layout
    kinds: dict[str, str]
    include: list[str] = field(default_factory=list)
    block_size: int = BLOCK_SIZE


def read_batches(part: Part, plan: ReadPlan) -> Iterator[pa.RecordBatch]:
    """Record batches of `part` with the planned columns as float64 or string arrays."""
    if part.file.format == PARQUET:
        yield from _parquet_batches(part.file, plan)
    elif part.file.format == JSON_LINES:
        yield from _json_batches(part.file, plan)
    else:
        yield from _csv_batches(part, plan)


_PARSE_CHUNK = 1 << 20
"""Bytes Arrow parses at a time within a block: small enough to stay in the CPU's cache
(parsing 8 MiB at once ran at half the speed here); the block is joined into one batch after."""


@dataclass(frozen=True)
class _Block:
    """Whole lines of a CSV file, parsed in one call."""

    data: pa.Buffer
    start: int
    """Offset of the block in the file (in the decompressed bytes, when compressed)."""
    lines_before: int | None = None
    """Lines before the block, when counted as read (compressed and remote files, whose bytes
    cannot cheaply be read again to count them when an error needs a line number)."""


def _csv_blocks(part: Part, block_size: int) -> Iterator[_Block]:
    """The bytes of `part` in blocks of about `block_size`, each ending at a line break.

    Blocks are parsed one `read_csv` call each, in the worker's thread: Arrow's streaming
    reader, driven from several threads at once, ran three times slower here.
    """
    file = part.file
    if file.is_local and not file.is_compressed:
        yield from _file_blocks(file.local_path, part.start, part.end, block_size)
    else:
        yield from _stream_blocks(file, block_size)


def _file_blocks(path: str, start: int, end: int | None, block_size: int) -> Iterator[_Block]:
    """Blocks of a local file, read in place: each read starts where the last block's final
    line break left off, so nothing is copied to carry a cut line over.

    Every block is read into the same buffer, overwritten once the block is parsed (Arrow
    copies what it parses): a fresh 8 MiB per block cost a third more time in page faults.
    """
    end = os.path.getsize(path) if end is None else end
    buffer = bytearray()
    with open(path, "rb", buffering=0) as handle:
        position, size = start, block_size
        while position < end:
            if len(buffer) < size:
                buffer = bytearray(size)
            handle.seek(position)
            length = handle.readinto(memoryview(buffer)[: min(size, end - position)])
            if not length:
                return  # the file shrank while being read
            cut = length if position + length >= end else buffer.rfind(b"\n", 0, length) + 1
            if not cut:
                size *= 2  # a line longer than a block: read more of it at once
                continue
            yield _Block(pa.py_buffer(buffer)[:cut], position)  # a view, no copy
            position, size = position + cut, block_size


def _stream_blocks(file: DataFile, block_size: int) -> Iterator[_Block]:
    """Blocks of a compressed or remote file, which can only be read once, front to back."""
    with _open_csv_input(file) as stream:
        position, lines, carry = 0, 0, b""
        while True:
            chunk = stream.read(block_size)
            data = carry + chunk if carry else chunk
            cut = len(data) if not chunk else data.rfind(b"\n") + 1
            if cut:
                yield _Block(pa.py_buffer(data)[:cut], position, lines)
                lines += data.count(b"\n", 0, cut)
                position += cut
            if not chunk:
                return
            carry = data[cut:]


def _csv_batches(part: Part, plan: ReadPlan) -> Iterator[pa.RecordBatch]:
    from pyarrow import csv

    file = part.file
    include = plan.include or list(plan.layout.physical_names)
    types = {n: pa.float64() if plan.kinds[n] == NUMBER else pa.string() for n in include}
    for block in _csv_blocks(part, plan.block_size):
        header_rows = 1 if plan.layout.header and part.is_first and block.start == 0 else 0
        invalid: list[Any] = []

        def refuse(row: Any, invalid: list[Any] = invalid) -> str:
            invalid.append(row)
            return "error"

        try:
            table = csv.read_csv(
                block.data,
                read_options=_csv_read_options(plan.layout, header_rows, _PARSE_CHUNK),
                parse_options=csv.ParseOptions(invalid_row_handler=refuse),
                convert_options=csv.ConvertOptions(
                    column_types=types,
                    include_columns=include,
                    null_values=[""],
                    strings_can_be_null=True,
                    quoted_strings_can_be_null=True,
                ),
            )
        except pa.ArrowInvalid as error:
            match = _CONVERSION_ERROR.search(str(error))
            column = None if match is None else plan.layout.physical_names[int(match.group(1))]
            if column is None or plan.kinds.get(column) != NUMBER:
                raise _csv_error(file, error, block, invalid) from None
            raise ColumnTurnedText(column) from None
        yield from table.combine_chunks().to_batches()


def _csv_error(
    file: DataFile, error: Exception, block: _Block | None = None, invalid: Sequence[Any] = ()
) -> InvalidInput:
    message = str(error).removeprefix("CSV parse error: ")
    if invalid:
        row = invalid[0]
        detail = (
            f"expected {row.expected_columns} columns, got {row.actual_columns}: "
            f"{_shorten(row.text)}"
        )
        line = row.number + _lines_before(file, block) if row.number is not None else None
        return at_line(file.uri, line, f"malformed CSV row: {detail}")
    if "Empty CSV file" in message:
        return InvalidInput(f"{file.uri}: the file is empty")
    row_match = re.match(r"Row #(\d+): (.*)", message, re.DOTALL)
    if row_match:
        line = int(row_match.group(1)) + _lines_before(file, block)
        detail = row_match.group(2)
        width = re.match(r"Expected (\d+) columns, got (\d+): (.*)", detail, re.DOTALL)
        if width:
            expected, actual, text = width.groups()
            detail = f"expected {expected} columns, got {actual}: {_shorten(text)}"
            return at_line(file.uri, line, f"malformed CSV row: {detail}")
        return at_line(file.uri, line, f"malformed CSV: {detail}")
    return InvalidInput(f"{file.uri}: malformed CSV: {message}")


def _lines_before(file: DataFile, block: _Block | None) -> int:
    if block is None:
        return 0
    if block.lines_before is not None:
        return block.lines_before
    lines, offset = 0, block.start
    with open(file.local_path, "rb") as handle:
        left = offset
        while left:
            chunk = handle.read(min(left, 1 << 20))
            lines += chunk.count(b"\n")
            left -= len(chunk)
    return lines


def _shorten(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _normalise_batch(batch: pa.RecordBatch, plan: ReadPlan, file: DataFile) -> pa.RecordBatch:
    """Parquet and JSON columns as float64 (numbers) or string (everything else), as the plan
    says: files of one dataset may disagree on a column's type, its parts must not."""
    include = plan.include or list(plan.layout.physical_names)
    arrays = []
    for name in include:
        wanted = pa.float64() if plan.kinds[name] == NUMBER else pa.string()
        index = batch.schema.get_field_index(name)
        array = pa.nulls(batch.num_rows) if index < 0 else batch.column(index)
        if pa.types.is_null(array.type) or (wanted == pa.string() and _is_number(array.type)):
            array = array.cast(wanted)  # a number in a text column reads as its text, as in CSV
        array = _as_number_or_text(array, file, name)
        if array.type != wanted:
            raise ColumnTurnedText(name)
        arrays.append(array)
    return pa.RecordBatch.from_arrays(arrays, names=include)


def _is_number(kind: pa.DataType) -> bool:
    return pa.types.is_floating(kind) or pa.types.is_integer(kind) or pa.types.is_decimal(kind)


def _as_number_or_text(array: pa.Array, file: DataFile, name: str) -> pa.Array:
    kind = array.type
    if _is_number(kind):
        return array.cast(pa.float64())
    if pa.types.is_string(kind):
        return array
    if pa.types.is_boolean(kind):
        import pyarrow.compute as pc

        return pc.if_else(array, "true", "false")
    try:
        return array.cast(pa.string())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        raise InvalidInput(
            f"{file.uri}: column '{name}' holds {kind} values, which cannot be monitored; "
            "list it among the ignored columns"
        ) from None


def _parquet_batches(file: DataFile, plan: ReadPlan) -> Iterator[pa.RecordBatch]:
    import pyarrow.parquet as pq

    with file.open() as handle:
        try:
            parquet = pq.ParquetFile(handle)
        except pa.ArrowInvalid as error:
            raise InvalidInput(f"{file.uri}: not a readable Parquet file: {error}") from None
        present = set(parquet.schema_arrow.names)
        columns = [name for name in (plan.include or plan.layout.physical_names) if name in present]
        for batch in parquet.iter_batches(batch_size=PARQUET_BATCH_ROWS, columns=columns):
            yield _normalise_batch(batch, plan, file)


def _json_batches(file: DataFile, plan: ReadPlan) -> Iterator[pa.RecordBatch]:
    import pyarrow.json as pj

    with file.open() as handle:
        try:
            reader = pj.open_json(
                handle,
                read_options=pj.ReadOptions(block_size=plan.block_size),
                parse_options=pj.ParseOptions(unexpected_field_behavior="ignore"),
            )
            for batch in reader:
                yield _normalise_batch(batch, plan, file)
        except pa.ArrowInvalid as error:
            raise InvalidInput(f"{file.uri}: not valid JSON Lines: {error}") from None
