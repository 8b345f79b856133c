"""CSV as every reader sees it: whether it has a header, its column names, and its bytes in
pieces that end at a line break.

Large local uncompressed files are cut at line boundaries into parts read in parallel (as
Spark, which Model Monitor runs on, splits CSV files; a quoted value holding a line break is
not supported there either). A compressed file can only be read front to back, so it is one
part, read as a stream.
"""

from __future__ import annotations

import csv as stdlib_csv
import itertools
import os
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from batchops.data.errors import EMPTY
from batchops.data.files import MAX_FIRST_LINE_BYTES, DataFile, read_first_lines, read_range
from batchops.data.formats import CSV
from batchops.errors import InvalidInput, at_line

if TYPE_CHECKING:
    import pyarrow as pa

BLOCK_SIZE = 8 << 20
"""Bytes of CSV/JSON parsed at a time: large enough to amortise per-batch work, small in RAM."""

MIN_PART_BYTES = 8 << 20
"""Parts are at least this large (a block): smaller, their fixed work would cost more."""

SNIFF_ROWS = 50
"""Rows the header rule looks at."""

_NUMBER = re.compile(r"^[-+]? ?\d+(\.\d+)?([Ee][-+]?\d+)?$")
"""A number as Deequ (which Model Monitor runs) reads one, so that what the header rule takes
for a number is what the monitor types as one."""


def looks_like_number(text: str) -> bool:
    return _NUMBER.match(text) is not None


def headerless_names(count: int) -> list[str]:
    """Model Monitor's names for the columns of a file without a header: `_c0`, `_c1`, ..."""
    return [f"_c{i}" for i in range(count)]


def looks_like_header(rows: Sequence[Sequence[str]], known_names: Sequence[str] = ()) -> bool:
    """Guess whether the first of a file's first rows is a header.

    A first row naming any of `known_names` (a baseline's or a model's features) is a header.
    A first row of text over columns that hold numbers below it is a header; a first row that
    holds a number or an empty field is data. With text everywhere, the first row is a header
    when none of its values occurs again in its column.
    """
    if rows and {value.strip() for value in rows[0]} & set(known_names):
        return True
    if len(rows) < 2:
        return bool(rows) and not any(looks_like_number(value.strip()) for value in rows[0])
    first, rest = rows[0], rows[1:]
    if any(looks_like_number(value.strip()) or value == "" for value in first):
        return False
    for index in range(len(first)):
        below = [row[index].strip() for row in rest if index < len(row) and row[index] != ""]
        if below and all(looks_like_number(value) for value in below):
            return True
    return all(
        first[index] not in {row[index] for row in rest if index < len(row)}
        for index in range(len(first))
    )


def allow_long_fields() -> None:
    """Let Python's csv module read a field as long as a first line may be (its default
    limit, 128 KiB, is below a value Arrow reads without complaint)."""
    if stdlib_csv.field_size_limit() < MAX_FIRST_LINE_BYTES:
        stdlib_csv.field_size_limit(MAX_FIRST_LINE_BYTES)


def parse_rows(head: bytes, count: int = SNIFF_ROWS, complete: bool = False) -> list[list[str]]:
    """The first `count` rows of a file's first (decompressed) bytes; a last line without its
    line break is left out unless `complete` says `head` is the whole file (it may be cut)."""
    allow_long_fields()
    lines = head.decode("utf-8-sig", errors="replace").splitlines()
    if not complete and lines and not head.endswith(b"\n"):
        lines = lines[:-1]
    return list(stdlib_csv.reader(lines[:count]))


def first_rows(file: DataFile, count: int = SNIFF_ROWS) -> list[list[str]]:
    """A file's first rows, decompressed whatever the compression: as many of `count` as the
    first 64 KiB hold, and at least the first two however wide (a header and a record)."""
    head, whole = read_first_lines(file.uri, min(count, 2))
    return parse_rows(head, count, complete=whole)


def sniff_header(file: DataFile, known_names: Sequence[str] = ()) -> bool:
    """Whether a CSV file starts with a header row (`looks_like_header` on its first rows)."""
    return looks_like_header(first_rows(file), known_names)


def header_names(row: Sequence[str], source: str) -> tuple[str, ...]:
    """The column names a header row gives; a nameless or repeated name is refused."""
    names = [name.strip() for name in row]
    seen: set[str] = set()
    for index, name in enumerate(names):
        if not name:
            raise at_line(source, 1, f"column {index + 1} of the header has no name")
        if name in seen:
            raise at_line(source, 1, f"the header names column '{name}' twice")
        seen.add(name)
    return tuple(names)


def column_names(file: DataFile, header: bool) -> tuple[str, ...]:
    """A CSV file's column names: its header's, or Model Monitor's for a headerless file."""
    rows = first_rows(file, 1)
    if not rows:
        raise InvalidInput(f"{file.uri}: {EMPTY}")
    if not header:
        return tuple(headerless_names(len(rows[0])))
    return header_names(rows[0], file.uri)


def open_csv_input(file: DataFile) -> Any:
    """A stream of the file's (decompressed) bytes for Arrow's CSV reader."""
    if file.is_local:
        import pyarrow as pa
        from pyarrow import csv  # noqa: F401 - make sure Arrow's CSV module is loaded

        return pa.input_stream(file.local_path, compression=file.compression)
    return file.open()


def read_options(names: Sequence[str], skip_rows: int, block_size: int = BLOCK_SIZE) -> Any:
    from pyarrow import csv

    return csv.ReadOptions(
        column_names=list(names),
        skip_rows=skip_rows,
        block_size=block_size,
        use_threads=False,  # Arrow then numbers rows in its errors; parts run in parallel
    )


def is_splittable(file: DataFile) -> bool:
    """Whether a file can be read in byte ranges: local (or seekable remote) uncompressed CSV."""
    return file.format == CSV and not file.is_compressed


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
    """Cut large local uncompressed CSV files at line boundaries into parts of about equal
    size: as many as a power of two up to `pieces` allows with parts of `min_part_bytes`.

    A power of two, so that 2, 4 or 8 workers share the parts evenly: 5 parts on 2 workers
    kept one of them idle for a fifth of the time.
    """
    parts: list[Part] = []
    for file in files:
        splittable = file.is_local and is_splittable(file)
        size = os.path.getsize(file.local_path) if splittable else 0
        fitting = min(pieces, size // max(1, min_part_bytes)) if splittable else 1
        count = 1 << (max(1, fitting).bit_length() - 1)
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


def line_end(uri: str, position: int, size: int, window: int = 1 << 16) -> int:
    """The offset just past the first line break at or after `position - 1` (or `size`)."""
    offset = position - 1
    while offset < size:
        chunk = read_range(uri, offset, min(size, offset + window))
        found = chunk.find(b"\n")
        if found >= 0:
            return offset + found + 1
        if not chunk:
            break
        offset += len(chunk)
        window *= 2
    return size


@dataclass(frozen=True)
class Block:
    """Whole lines of a CSV file, parsed in one call."""

    data: pa.Buffer
    start: int
    """Offset of the block in the file (in the decompressed bytes, when compressed)."""
    lines_before: int | None = None
    """Lines before the block, when counted as read (compressed and remote files, whose bytes
    cannot cheaply be read again to count them when an error needs a line number)."""


def blocks(part: Part, block_size: int) -> Iterator[Block]:
    """The bytes of `part` in blocks of about `block_size`, each ending at a line break."""
    file = part.file
    if file.is_local and not file.is_compressed:
        yield from file_blocks(file.local_path, part.start, part.end, block_size)
    else:
        yield from stream_blocks(file, block_size)


def file_blocks(path: str, start: int, end: int | None, block_size: int) -> Iterator[Block]:
    """Blocks of a local file, read in place: each read starts where the last block's final
    line break left off, so nothing is copied to carry a cut line over.

    Every block is read into the same buffer, overwritten once the block is parsed (Arrow
    copies what it parses): a fresh 8 MiB per block cost a third more time in page faults.
    """
    import pyarrow as pa

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
            yield Block(pa.py_buffer(buffer)[:cut], position)  # a view, no copy
            position, size = position + cut, block_size


def stream_blocks(file: DataFile, block_size: int) -> Iterator[Block]:
    """Blocks of a compressed or remote file, which can only be read once, front to back."""
    import pyarrow as pa

    with open_csv_input(file) as stream:
        position, lines, carry = 0, 0, b""
        while True:
            chunk = stream.read(block_size)
            data = carry + chunk if carry else chunk
            cut = len(data) if not chunk else data.rfind(b"\n") + 1
            if cut:
                yield Block(pa.py_buffer(data)[:cut], position, lines)
                lines += data.count(b"\n", 0, cut)
                position += cut
            if not chunk:
                return
            carry = data[cut:]


def lines_before(file: DataFile, block: Block | None) -> int:
    """Lines of the file before `block` (counted now for a local file's block)."""
    if block is None:
        return 0
    if block.lines_before is not None:
        return block.lines_before
    lines, left = 0, block.start
    with open(file.local_path, "rb") as handle:
        while left:
            chunk = handle.read(min(left, 1 << 20))
            lines += chunk.count(b"\n")
            left -= len(chunk)
    return lines
