"""A reader for the UBJSON subset XGBoost writes (`save_raw("ubj")`), for checking a model
before XGBoost parses it.

Counts in the file are checked against the bytes that remain before anything is allocated,
and nesting is bounded, so a crafted file costs at most its own size to read. Typed arrays
become numpy arrays without a per-element Python loop.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from batchops.errors import InvalidInput

MAX_DEPTH = 32

_SCALARS: dict[bytes, tuple[str, int]] = {
    b"i": (">i1", 1),
    b"U": (">u1", 1),
    b"I": (">i2", 2),
    b"l": (">i4", 4),
    b"L": (">i8", 8),
    b"d": (">f4", 4),
    b"D": (">f8", 8),
}
_CONSTANTS: dict[bytes, Any] = {b"Z": None, b"T": True, b"F": False}


class UBJSONError(ValueError):
    """Not a UBJSON document (the message says what and at which byte)."""


def parse_ubjson(data: bytes, source: str) -> Any:
    """The document in `data`; anything malformed is InvalidInput naming `source`."""
    reader = _Reader(memoryview(data))
    try:
        value = reader.value(reader.marker(), 0)
        if reader.pos != len(data):
            raise UBJSONError(f"{len(data) - reader.pos} bytes after the document")
    except UBJSONError as exc:
        raise InvalidInput(f"{source}: not valid UBJSON ({exc})") from None
    return value


class _Reader:
    def __init__(self, data: memoryview) -> None:
        self.data = data
        self.pos = 0

    def take(self, size: int) -> memoryview:
        if size < 0 or size > len(self.data) - self.pos:
            raise UBJSONError(f"{size} bytes wanted at byte {self.pos}, past the end")
        chunk = self.data[self.pos : self.pos + size]
        self.pos += size
        return chunk

    def marker(self) -> bytes:
        while True:
            byte = bytes(self.take(1))
            if byte != b"N":  # no-op
                return byte

    def value(self, marker: bytes, depth: int) -> Any:
        if marker in _SCALARS:
            kind, size = _SCALARS[marker]
            number = np.frombuffer(self.take(size), dtype=kind)[0]
            return float(number) if kind[1] == "f" else int(number)
        if marker in _CONSTANTS:
            return _CONSTANTS[marker]
        if marker == b"S":
            return self.text()
        if marker == b"C":
            return bytes(self.take(1)).decode("latin-1")
        if marker in (b"[", b"{"):
            if depth >= MAX_DEPTH:
                raise UBJSONError(f"nested more than {MAX_DEPTH} levels at byte {self.pos}")
            return self.array(depth + 1) if marker == b"[" else self.object(depth + 1)
        raise UBJSONError(f"unknown marker {marker!r} at byte {self.pos - 1}")

    def count(self) -> int:
        marker = self.marker()
        if marker not in _SCALARS or _SCALARS[marker][0][1] == "f":
            raise UBJSONError(f"a length must be an integer, at byte {self.pos - 1}")
        size = self.value(marker, 0)
        if size < 0 or size > len(self.data) - self.pos:
            raise UBJSONError(f"length {size} at byte {self.pos} is past the end")
        return int(size)

    def text(self) -> str:
        raw = bytes(self.take(self.count()))
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            raise UBJSONError(f"text before byte {self.pos} is not UTF-8") from None

    def header(self) -> tuple[bytes | None, int | None]:
        """The optional `$type` and `#count` of a container."""
        kind = count = None
        if bytes(self.data[self.pos : self.pos + 1]) == b"$":
            self.pos += 1
            kind = bytes(self.take(1))
            if kind not in _SCALARS:
                raise UBJSONError(f"typed containers must hold numbers, at byte {self.pos - 1}")
            if bytes(self.data[self.pos : self.pos + 1]) != b"#":
                raise UBJSONError(f"a typed container needs a count, at byte {self.pos}")
        if bytes(self.data[self.pos : self.pos + 1]) == b"#":
            self.pos += 1
            count = self.count()
        return kind, count

    def array(self, depth: int) -> Any:
        kind, count = self.header()
        if kind is not None and count is not None and kind in _SCALARS:
            dtype, size = _SCALARS[kind]
            if count * size > len(self.data) - self.pos:
                raise UBJSONError(f"{count} items at byte {self.pos} run past the end")
            return np.frombuffer(self.take(count * size), dtype=dtype).astype(dtype[1:])
        items = []
        if count is not None:
            for _ in range(count):
                items.append(self.value(kind or self.marker(), depth))
            return items
        while (marker := self.marker()) != b"]":
            items.append(self.value(marker, depth))
        return items

    def object(self, depth: int) -> dict[str, Any]:
        kind, count = self.header()
        if kind is not None:
            raise UBJSONError(f"typed objects are not read, at byte {self.pos}")
        result: dict[str, Any] = {}
        remaining = count
        while True:
            if remaining is None:
                if bytes(self.data[self.pos : self.pos + 1]) == b"}":
                    self.pos += 1
                    return result
            elif remaining == 0:
                return result
            else:
                remaining -= 1
            key = self.key()
            if key in result:
                raise UBJSONError(f"key {key[:60]!r} appears twice in one object")
            result[key] = self.value(kind or self.marker(), depth)

    def key(self) -> str:
        if bytes(self.data[self.pos : self.pos + 1]) == b"S":  # tolerated, though not standard
            self.pos += 1
        return self.text()
