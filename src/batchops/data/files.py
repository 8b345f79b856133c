"""The data files a dataset URI names, and reading their bytes.

A dataset is one file, a folder (every file below it, in path order), or a prefix
(`data/batch-` matches `data/batch-1.csv`), locally or under any fsspec URL. Below a folder,
what is not data is skipped as Spark and Hadoop write it: names starting with `_` or `.`
(`_SUCCESS`, `_committed_*`, `.part-0.crc`, folders such as `_temporary`), checksums (`.crc`),
and metadata or documents beside the data (`.json`, `.md`, `.html`, ...). A `.json` file given
by itself is data (JSON Lines); inside a folder it is metadata.

A folder batchops wrote carries `_batchops_manifest.json` (`batchops.store.outputs`): it is
read only when its files match the manifest by name and size, so a re-run that died halfway
is refused instead of read as a mix of new and old files. A folder without one is read as is.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from batchops.data.formats import (
    PARQUET,
    check_content,
    compression,
    format_from_name,
    parse_format,
)
from batchops.errors import InvalidInput, NotFound
from batchops.store.artifacts import filesystem
from batchops.store.outputs import require_complete

NOT_DATA_SUFFIXES = (
    ".json", ".crc", ".md", ".html", ".htm", ".yaml", ".yml", ".log", ".tmp", ".pkl",
    ".tar.gz", ".zip", ".png", ".svg",
)  # fmt: skip
"""Files in a dataset folder that are not its data (a `.json` is data only on its own)."""

TO_END = 1 << 62
"""An end offset meaning "to the end of the file" (a compressed file's size is not known)."""


@dataclass(frozen=True)
class DataFile:
    """One data file: its URI, format, path below the dataset's root, and size in bytes."""

    uri: str
    format: str
    relative: str = ""
    size: int = 0

    @property
    def is_local(self) -> bool:
        return is_local(self.uri)

    @property
    def compression(self) -> str | None:
        return compression(self.uri)

    @property
    def is_compressed(self) -> bool:
        return self.compression is not None

    @property
    def local_path(self) -> str:
        return local_path(self.uri)

    def open(self) -> IO[bytes]:
        """The file's bytes, decompressed when its name says it is compressed."""
        return open_bytes(self.uri)


def is_local(uri: str) -> bool:
    return "://" not in uri or uri.startswith("file://")


def local_path(uri: str) -> str:
    return uri[len("file://") :] if uri.startswith("file://") else uri


def open_bytes(uri: str) -> IO[bytes]:
    """A file's bytes from the start, decompressed as its name says (`.gz`, `.zst`, ...)."""
    codec = compression(uri)
    if is_local(uri):
        if codec is None:
            return open(local_path(uri), "rb")
        import pyarrow as pa

        stream: IO[bytes] = pa.input_stream(local_path(uri), compression=codec)
        return stream
    import fsspec

    handle: IO[bytes] = fsspec.open(uri, "rb", compression="infer").open()
    return handle


def list_data_files(
    data: str | Path, data_format: str | None = None, exclude: str | Path | None = None
) -> list[DataFile]:
    """The data files of `data`, in path order, leaving out any under `exclude` (an output
    folder inside the input folder holds no inputs). `data_format` (a format or a content
    type) overrides what each file's name suggests."""
    forced = parse_format(data_format) if data_format is not None else None
    uri = str(data)
    found = _local_files(uri, exclude) if is_local(uri) else _remote_files(uri, exclude)
    return [
        DataFile(item, forced or format_from_name(relative), relative, size)
        for item, relative, size in found
    ]


_Found = list[tuple[str, str, int]]
"""(uri, path below the root, size) of each file found."""


def _local_files(uri: str, exclude: str | Path | None) -> _Found:
    path = local_path(uri)
    prefix = "file://" if uri.startswith("file://") else ""
    if os.path.isfile(path):
        return [(uri, os.path.basename(path), os.path.getsize(path))]
    skip = _under(os.path.abspath(local_path(str(exclude)))) if exclude is not None else None
    if os.path.isdir(path):
        require_complete(uri, f"the dataset {uri}")
        root, stem = path.rstrip("/") or "/", ""
    else:
        root, _, stem = path.rstrip("/").rpartition("/")
        if not stem or not os.path.isdir(root or "."):
            raise NoSuchData(f"{uri}: no such file or directory")
    files = []
    for name, relative in _walk(root or ".", stem):
        if skip is None or not skip(os.path.abspath(name)):
            files.append((prefix + name, relative, os.path.getsize(name)))
    return _found_or_refuse(uri, files, bool(stem))


def _walk(root: str, stem: str) -> Iterator[tuple[str, str]]:
    """Data files below `root` whose path below it starts with `stem`, in path order."""
    entries: list[tuple[str, str]] = []
    for folder, dirs, names in os.walk(root):
        below = os.path.relpath(folder, root)
        below = "" if below == "." else below.replace(os.sep, "/") + "/"
        dirs[:] = [d for d in dirs if not d.startswith(("_", "."))]
        for name in names:
            relative = below + name
            if relative.startswith(stem) and is_data_name(name):
                entries.append((os.path.join(folder, name), relative))
    yield from sorted(entries, key=lambda entry: entry[1])


def _remote_files(uri: str, exclude: str | Path | None) -> _Found:
    fs, path = filesystem(uri)
    protocol = uri.split("://", 1)[0]
    if fs.isfile(path):
        return [(uri, path.rstrip("/").rpartition("/")[2], int(fs.size(path)))]
    skip: Callable[[str], bool] | None = None
    if exclude is not None:
        other, folder = filesystem(str(exclude))
        if type(other) is type(fs):
            skip = _under(folder)
    if fs.isdir(path):
        require_complete(uri, f"the dataset {uri}")
        root, stem = path.rstrip("/"), ""
    else:
        root, _, stem = path.rstrip("/").rpartition("/")
        if not stem or not root or not fs.isdir(root):
            raise NoSuchData(f"{uri}: no such file or directory")
    files = []
    for name, info in sorted(fs.find(root, detail=True).items()):
        relative = name[len(root) + 1 :]
        parts = relative.split("/")
        if (
            info.get("type") == "file"
            and relative.startswith(stem)
            and not any(part.startswith(("_", ".")) for part in parts[:-1])
            and is_data_name(parts[-1])
            and (skip is None or not skip(name))
        ):
            size = int(info.get("size") or fs.size(name))
            files.append((f"{protocol}://{name}", relative, size))
    return _found_or_refuse(uri, files, bool(stem))


def _under(folder: str) -> Callable[[str], bool]:
    folder = folder.rstrip("/")
    return lambda name: name == folder or name.startswith(folder + "/")


class NoSuchData(NotFound, InvalidInput):
    """Nothing at a dataset's URI: neither a file, nor a folder, nor files it is a prefix of."""


def _found_or_refuse(uri: str, files: _Found, by_prefix: bool) -> _Found:
    if files:
        return files
    if by_prefix:
        raise NoSuchData(f"{uri}: no such file or directory, and no input files match the prefix")
    raise InvalidInput(
        f"{uri}: the folder holds no data files (names starting with _ or . and metadata "
        "such as .json or .crc are skipped; name JSON Lines files .jsonl)"
    )


def is_data_name(name: str) -> bool:
    """Whether a file of this name, found in a dataset folder, holds data."""
    return not name.startswith(("_", ".")) and not name.lower().endswith(NOT_DATA_SUFFIXES)


def read_range(uri: str, start: int, end: int) -> bytes:
    """Bytes [start, end) of a file (of its decompressed bytes when it is compressed); `end`
    past the end (`TO_END`) reads to the end. Local files are read with os.pread."""
    if compression(uri) is not None:
        return _read_decompressed(uri, start, end)
    if is_local(uri):
        fd = os.open(local_path(uri), os.O_RDONLY)
        try:
            chunks: list[bytes] = []
            offset = start
            while offset < end:
                chunk = os.pread(fd, min(end - offset, 1 << 30), offset)
                if not chunk:
                    break
                chunks.append(chunk)
                offset += len(chunk)
        finally:
            os.close(fd)
        return chunks[0] if len(chunks) == 1 else b"".join(chunks)
    fs, path = filesystem(uri)
    with fs.open(path, "rb") as handle:
        handle.seek(start)
        return bytes(handle.read(end - start) if end < TO_END else handle.read())


def _read_decompressed(uri: str, start: int, end: int) -> bytes:
    """A compressed file can only be read front to back: skip to `start`, then read."""
    with open_bytes(uri) as stream:
        left = start
        while left:
            skipped = stream.read(min(left, 1 << 24))
            if not skipped:
                return b""
            left -= len(skipped)
        chunks: list[bytes] = []
        wanted = end - start
        while wanted > 0:
            chunk = stream.read(min(wanted, 1 << 24))
            if not chunk:
                break
            chunks.append(chunk)
            wanted -= len(chunk)
        return b"".join(chunks)


MAX_FIRST_LINE_BYTES = 256 << 20
"""The most bytes read to find a file's first line: a header of 4,000 columns is about
100 KB, one of a 150 MB line still fits; beyond it the file is refused by name."""

_PROBE_BYTES = 1 << 16


def read_first_lines(
    uri: str, lines: int = 1, limit: int = MAX_FIRST_LINE_BYTES
) -> tuple[bytes, bool]:
    """The file's (decompressed) start, holding its first `lines` line breaks if it has
    them, and whether that is the whole file. Reads grow from 64 KiB, so a wide header costs
    what it weighs; a first line longer than `limit` is refused with the limit named."""
    size = _PROBE_BYTES
    while True:
        head = read_range(uri, 0, size)
        if len(head) < size:
            return head, True
        found = head.count(b"\n")
        if found >= lines or (found and size >= limit):
            return head, False
        if size >= limit:
            raise InvalidInput(
                f"{uri}: no line break in the first {limit >> 20} MiB; the first line (a header "
                "or a record) must be shorter than that"
            )
        size = min(size * 4, limit)


def read_head(uri: str, size: int) -> bytes:
    """The first `size` bytes of a file, decompressed."""
    return read_range(uri, 0, size)


def check_format(file: DataFile, arrays_allowed: bool = False) -> None:
    """Refuse a file whose first bytes say it is not in its declared format (checked after
    decompressing), and compressed Parquet (Parquet compresses inside the file)."""
    if file.format == PARQUET and file.is_compressed:
        raise InvalidInput(
            f"{file.uri}: a compressed Parquet file cannot be read; Parquet compresses its "
            "pages itself, so store it uncompressed"
        )
    check_content(file.uri, file.format, read_head(file.uri, 4096), arrays_allowed)
