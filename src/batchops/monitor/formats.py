"""Reading and writing the monitor's JSON files, with errors that point at the file and JSON path.

The files follow SageMaker Model Monitor's formats, so users hand-edit them and bring them from
elsewhere: every read is validated, and a bad value is reported as `FILE: $.features[3].name: ...`
instead of a KeyError deep inside a check. Files are written the way the service writes them
(no newline at the end) and atomically, so a failed run never leaves half a file behind.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from batchops.errors import InvalidInput, NotFound


def load_json(uri: str | Path) -> Node:
    """Parse a JSON file into a `Node` rooted at `$`."""
    from batchops.store import artifacts

    if not artifacts.exists(uri):
        raise NotFound(f"{uri}: no such file")
    raw = artifacts.read_bytes(uri)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise InvalidInput(f"{uri}: not a UTF-8 text file ({error.reason})") from None
    try:
        value = json.loads(text)
    except json.JSONDecodeError as error:
        raise InvalidInput(
            f"{uri}: not valid JSON: {error.msg} at line {error.lineno}, column {error.colno}"
        ) from None
    return Node(value, "$", str(uri))


STATISTICS = "statistics"
CONSTRAINTS = "constraints"
VIOLATIONS = "violations"

#: Fields only one of Model Monitor's files has, at its top or in its features.
_TELLING_FIELDS = {
    STATISTICS: ({"dataset"}, {"numerical_statistics", "string_statistics"}),
    CONSTRAINTS: ({"monitoring_config"}, {"completeness", "num_constraints", "string_constraints"}),
    VIOLATIONS: ({"violations"}, set()),
}


class WrongFile(InvalidInput):
    """A file of Model Monitor's given where another of its files belongs."""

    def __init__(self, source: str, found: str, expected: str) -> None:
        super().__init__(f"{source} is a {found} file, not {expected}")
        self.found = found


def file_kind(node: Node) -> str | None:
    """Which of Model Monitor's files a parsed one is (`statistics`, `constraints` or
    `violations`), by the fields only that kind has; None when none tells."""
    value = node.value
    if not isinstance(value, dict):
        return None
    features = value.get("features")
    first = features[0] if isinstance(features, list) and features else None
    feature_keys = set(first) if isinstance(first, dict) else set()
    for kind, (top, per_feature) in _TELLING_FIELDS.items():
        if top & set(value) or per_feature & feature_keys:
            return kind
    return None


def load_kind(uri: str | Path, expected: str) -> Node:
    """`load_json`, refusing another of Model Monitor's files than the `expected` kind."""
    node = load_json(uri)
    found = file_kind(node)
    if found is not None and found != expected:
        raise WrongFile(str(uri), found, expected)
    return node


def dump_json(value: Any) -> str:
    """JSON laid out as Model Monitor writes it (Jackson's default pretty printer): object
    fields one per line, `"key" : value`, arrays on one line as `[ 1.0, 2.0 ]`, objects in
    arrays as `[ {` ... `}, {` ... `} ]`, no newline at the end.

    Besides looking like the files users know, it is fast: `json.dumps(indent=2)` runs
    Python's pure encoder and puts each of a sketch's thousands of numbers on its own line.
    """
    pieces: list[str] = []
    _dump(value, 0, pieces)
    return "".join(pieces)


_encode_string = json.encoder.encode_basestring


def _dump(value: Any, level: int, pieces: list[str]) -> None:
    if isinstance(value, dict):
        if not value:
            pieces.append("{ }")
            return
        field = ",\n" + "  " * (level + 1)
        pieces.append("{\n" + "  " * (level + 1))
        for index, (key, item) in enumerate(value.items()):
            pieces.append(f"{field if index else ''}{_encode_string(str(key))} : ")
            _dump(item, level + 1, pieces)
        pieces.append("\n" + "  " * level + "}")
    elif isinstance(value, list | tuple):
        if not value:
            pieces.append("[ ]")
        elif not set(map(type, value)) <= _SCALAR_TYPES:  # map: no Python step per item
            pieces.append("[ ")
            for index, item in enumerate(value):
                if index:
                    pieces.append(", ")
                _dump(item, level, pieces)
            pieces.append(" ]")
        else:  # scalars only: the C encoder does them all at once
            pieces.append(f"[ {_scalars(value)[1:-1]} ]")
    else:
        pieces.append(_scalars(value))


_SCALAR_TYPES = {str, int, float, bool, type(None)}

_SCALARS = json.JSONEncoder(ensure_ascii=False, allow_nan=False, separators=(", ", ":"))
"""One encoder for every scalar and list of scalars (`json.dumps` with these options builds
a new one per call, which took half the time of writing a statistics file)."""


def _scalars(value: Any) -> str:
    return _SCALARS.encode(value)


def write_json(uri: str | Path, value: Any) -> str:
    """Write `value` to `uri` atomically; return the URI written."""
    return write_text(uri, dump_json(value))


def write_text(uri: str | Path, text: str) -> str:
    """Write any text file (the HTML report) atomically."""
    from batchops.store import artifacts

    return artifacts.write_text(uri, text)


class Node:
    """A JSON value together with where it came from, for validated access."""

    __slots__ = ("path", "source", "value")

    def __init__(self, value: Any, path: str, source: str) -> None:
        self.value = value
        self.path = path
        self.source = source

    def error(self, message: str) -> InvalidInput:
        return InvalidInput(f"{self.source}: {self.path}: {message}")

    def _child(self, value: Any, suffix: str) -> Node:
        return Node(value, self.path + suffix, self.source)

    def object(self) -> dict[str, Any]:
        if not isinstance(self.value, dict):
            raise self.error(f"expected an object, got {_describe(self.value)}")
        return self.value

    def key(self, key: str) -> Node:
        mapping = self.object()
        if key not in mapping:
            raise self.error(f"missing required key '{key}'")
        return self._child(mapping[key], f".{key}")

    def optional(self, key: str) -> Node | None:
        mapping = self.object()
        if key not in mapping or mapping[key] is None:
            return None
        return self._child(mapping[key], f".{key}")

    def items(self) -> Iterator[Node]:
        if not isinstance(self.value, list):
            raise self.error(f"expected a list, got {_describe(self.value)}")
        for index, item in enumerate(self.value):
            yield self._child(item, f"[{index}]")

    def number(self) -> float:
        value = self.value
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.error(f"expected a number, got {_describe(value)}")
        if not math.isfinite(value):
            raise self.error(f"expected a finite number, got {value}")
        return float(value)

    def count(self) -> int:
        """A non-negative whole number, written as 100 or 100.0 (the service writes both)."""
        value = self.number()
        if value < 0 or value != int(value):
            raise self.error(f"expected a non-negative whole number, got {value}")
        return int(value)

    def string(self) -> str:
        if not isinstance(self.value, str):
            raise self.error(f"expected a string, got {_describe(self.value)}")
        return self.value

    def boolean(self) -> bool:
        if not isinstance(self.value, bool):
            raise self.error(f"expected true or false, got {_describe(self.value)}")
        return self.value

    def choice(self, allowed: Sequence[str]) -> str:
        text = self.string()
        if text not in allowed:
            raise self.error(f"expected one of {', '.join(allowed)}, got '{text}'")
        return text


def _describe(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return f"the number {value}"
    if isinstance(value, str):
        shown = value if len(value) <= 40 else value[:37] + "..."
        return f"the string '{shown}'"
    if isinstance(value, list):
        return "a list"
    return "an object"
