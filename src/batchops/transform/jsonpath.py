"""SageMaker's JSONPath subset for batch transform's InputFilter and OutputFilter.

Supported, as SageMaker documents them: `$`, `.name`, `*` / `.*` / `[*]`, `['a','b']`,
`[1]`, `[1,3,5]`, negative indexes (`[-1]` is the last element), and slices `[2:5]`,
`[:5]`, `[2:]`, mixed with indexes as in `[0,5:]`. Like SageMaker, a slice's end is
INCLUSIVE: `$[1:4]` is the second through the fifth element. An index outside the record
is an error, not an empty result. For CSV a record is an array, so only index forms apply.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from batchops.errors import InvalidInput


@dataclass(frozen=True)
class Index:
    value: int


@dataclass(frozen=True)
class Slice:
    start: int | None
    end: int | None


@dataclass(frozen=True)
class Names:
    """`.a` (single) or `['a','b']`: children of an object by key."""

    names: tuple[str, ...]
    single: bool


@dataclass(frozen=True)
class Positions:
    """`[1]` (single) or `[0,5:]`: elements of an array by position."""

    items: tuple[Index | Slice, ...]

    @property
    def single(self) -> bool:
        return len(self.items) == 1 and isinstance(self.items[0], Index)

    def resolve(self, width: int, expression: str) -> list[int]:
        """The 0-based positions selected in an array of `width` elements, in order given."""
        chosen: list[int] = []
        for item in self.items:
            if isinstance(item, Index):
                chosen.append(_position(item.value, width, expression))
                continue
            start = 0 if item.start is None else _position(item.start, width, expression)
            end = width - 1 if item.end is None else _position(item.end, width, expression)
            chosen.extend(range(start, end + 1))
        return chosen


@dataclass(frozen=True)
class Wildcard:
    pass


Segment = Names | Positions | Wildcard


@dataclass(frozen=True)
class JsonPath:
    expression: str
    segments: tuple[Segment, ...]

    @property
    def is_root(self) -> bool:
        return not self.segments or all(isinstance(s, Wildcard) for s in self.segments)

    @property
    def index_only(self) -> bool:
        return all(isinstance(s, Positions | Wildcard) for s in self.segments)


def _position(value: int, width: int, expression: str) -> int:
    position = value + width if value < 0 else value
    if not 0 <= position < width:
        raise InvalidInput(
            f"filter {expression!r}: index {value} is outside the record, which has "
            f"{width} element(s) (valid: 0..{width - 1}, or -{width}..-1)"
        )
    return position


_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_\-]*")
_INT = re.compile(r"-?\d+")
_MAX_LENGTH = 63


def parse(expression: str | None) -> JsonPath:
    """Parse a filter; None or "" means `$`. Anything outside the subset is refused."""
    text = (expression or "$").strip()
    if len(text) > _MAX_LENGTH:
        raise InvalidInput(
            f"filter {text!r} is {len(text)} characters; SageMaker allows at most {_MAX_LENGTH}"
        )
    if not text.startswith("$"):
        raise InvalidInput(f"filter {text!r} must start with $ (the record)")
    segments: list[Segment] = []
    at = 1
    while at < len(text):
        if text.startswith(".[", at):
            at += 1
        if text[at] == "[":
            close = text.find("]", at)
            if close < 0:
                raise _bad(text, at, "a closing ]")
            segments.append(_bracket(text, text[at + 1 : close].strip(), at))
            at = close + 1
        elif text[at] == ".":
            if text.startswith(".*", at):
                segments.append(Wildcard())
                at += 2
                continue
            match = _NAME.match(text, at + 1)
            if not match:
                raise _bad(text, at, "a name after '.'")
            segments.append(Names((match.group(0),), single=True))
            at = match.end()
        else:
            raise _bad(text, at, f"'.' or '[', not {text[at]!r}")
    return JsonPath(text, tuple(segments))


def _bracket(text: str, inner: str, at: int) -> Segment:
    if inner == "*":
        return Wildcard()
    if inner[:1] in ("'", '"'):
        names = [_quoted(text, part.strip(), at) for part in _split(inner)]
        return Names(tuple(names), single=False)
    items: list[Index | Slice] = []
    for part in (p.strip() for p in inner.split(",")):
        if ":" in part:
            start, _, end = part.partition(":")
            if ":" in end:
                raise _bad(text, at, "a slice without a step (start:end)")
            items.append(Slice(_int(text, start, at, True), _int(text, end, at, True)))
        else:
            value = _int(text, part, at, False)
            assert value is not None
            items.append(Index(value))
    return Positions(tuple(items))


def _split(inner: str) -> list[str]:
    parts, current, quote = [], "", ""
    for char in inner:
        if quote:
            current += char
            if char == quote:
                quote = ""
        elif char in "'\"":
            quote = char
            current += char
        elif char == ",":
            parts.append(current)
            current = ""
        else:
            current += char
    parts.append(current)
    return parts


def _quoted(text: str, part: str, at: int) -> str:
    if len(part) < 2 or part[0] != part[-1] or part[0] not in "'\"":
        raise _bad(text, at, "quoted names like ['id','score']")
    name = part[1:-1]
    if not name or "." in name:
        raise _bad(text, at, "plain names inside brackets (no nesting such as 'a.b')")
    return name


def _int(text: str, part: str, at: int, optional: bool) -> int | None:
    part = part.strip()
    if not part and optional:
        return None
    if not _INT.fullmatch(part):
        raise _bad(text, at, f"an integer, not {part!r}")
    return int(part)


def _bad(text: str, at: int, expected: str) -> InvalidInput:
    return InvalidInput(
        f"filter {text!r}: expected {expected} at character {at + 1}; supported: $, .name, "
        "['a','b'], [1], [1,3], [-1], [2:5], [2:], [0,5:], *"
    )
