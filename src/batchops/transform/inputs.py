"""Finding a transform's input files and where each one's output goes.

An input is one file, a folder (all files below it), or a prefix (`data/batch-` matches
`data/batch-1.csv`), locally or under any fsspec URL. Files whose name starts with `.` or
`_` (`_SUCCESS`, `.crc`) are not data. Order is by path, so outputs are deterministic.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from batchops.errors import InvalidInput, NotFound
from batchops.store.artifacts import filesystem, is_local, local_path

OUTPUT_SUFFIX = ".out"


@dataclass(frozen=True)
class InputFile:
    uri: str
    relative: str
    size: int

    @property
    def output_name(self) -> str:
        """SageMaker's naming: the input's path under the input root, plus `.out`."""
        return self.relative + OUTPUT_SUFFIX


def list_inputs(uri: str | Path, exclude: str | Path | None = None) -> list[InputFile]:
    """The data files at `uri`, leaving out any under `exclude` (the transform's output
    folder, when it lies inside the input folder: its .out files are not inputs)."""
    text = str(uri)
    fs, path = filesystem(text)
    protocol = _protocol(text)
    if fs.isfile(path):
        return [InputFile(text, _basename(path), int(fs.size(path)))]
    excluded = _excluded(fs, exclude)
    if fs.isdir(path):
        files = _files_below(fs, protocol, path.rstrip("/"), "", excluded)
        if not files:
            raise InvalidInput(f"input folder {text} holds no data files")
        return files
    parent, _, stem = path.rstrip("/").rpartition("/")
    if stem and parent and fs.isdir(parent):
        files = _files_below(fs, protocol, parent, stem, excluded)
        if files:
            return files
        raise InvalidInput(f"no input files match the prefix {text}")
    raise NotFound(f"input not found: {text}")


def _files_below(
    fs: Any, protocol: str, root: str, stem: str, excluded: Callable[[str], bool]
) -> list[InputFile]:
    """The data files under `root` whose path below it starts with `stem`, by path."""
    files = []
    for name, info in sorted(fs.find(root, detail=True).items()):
        relative = name[len(root) + 1 :]
        if (
            info.get("type") == "file"
            and relative.startswith(stem)
            and not _hidden(relative)
            and not excluded(name)
        ):
            files.append(_entry(fs, protocol, name, info, relative))
    return files


def _excluded(fs: Any, exclude: str | Path | None) -> Callable[[str], bool]:
    if exclude is None:
        return lambda _name: False
    other, folder = filesystem(str(exclude))
    if type(other) is not type(fs):
        return lambda _name: False
    folder = folder.rstrip("/")
    return lambda name: name == folder or name.startswith(folder + "/")


def _entry(fs: Any, protocol: str, name: str, info: dict[str, Any], relative: str) -> InputFile:
    uri = f"{protocol}://{name}" if protocol else name
    return InputFile(uri, relative, int(info.get("size") or fs.size(name)))


def _protocol(uri: str) -> str:
    if is_local(uri):
        return ""
    return uri.split("://", 1)[0]


def _basename(path: str) -> str:
    return path.rstrip("/").rpartition("/")[2]


def _hidden(relative: str) -> bool:
    return any(part.startswith((".", "_")) for part in relative.split("/"))


def read_range(uri: str, start: int, end: int) -> bytes:
    """Bytes [start, end) of a file, read directly (os.pread) when it is local."""
    if is_local(uri):
        import os

        fd = os.open(local_path(uri), os.O_RDONLY)
        try:
            chunks: list[bytes] = []
            offset = start
            while offset < end:
                chunk = os.pread(fd, end - offset, offset)
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
        return bytes(handle.read(end - start))
