"""Printing for commands: exactly one JSON value on stdout with --json, Rich for people.

Text for people passes through `printable` here, in one place: a value from data (a CSV
header holding an escape sequence, a bell, a NUL) is shown escaped, never acted on by the
terminal. JSON needs no such care, its own escaping applies.
"""

from __future__ import annotations

import json
import math
import re
import sys
from collections.abc import Sequence
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.text import Text

#: `--json` on every list and describe command: exactly one JSON value on stdout.
_PARAMETER = re.compile(r"`([a-z][a-z0-9_]*)`")
_OPTIONS = {"parameters": "-p"}
"""Parameters whose option is not `--` and their name with dashes."""


def as_options(message: str) -> str:
    """A library message in the CLI's words: each parameter it names (`input_filter`) as the
    option that sets it (--input-filter)."""
    return _PARAMETER.sub(lambda m: _OPTIONS.get(m[1], "--" + m[1].replace("_", "-")), message)


JsonFlag = Annotated[bool, typer.Option("--json", help="Print exactly one JSON value.")]
StepsDaskOption = Annotated[
    str | None,
    typer.Option(
        "--dask",
        metavar="ADDRESS",
        help="Run every step's work on the Dask scheduler at ADDRESS (tcp:// or tls://host:8786); "
        "this process only orchestrates. Default: BATCHOPS_DASK_ADDRESS, else here.",
    ),
]
Params = Annotated[
    list[str] | None, typer.Option("-p", "--parameter", help="KEY=VALUE, repeatable.")
]

_CONTROLS = {
    code: f"\\x{code:02x}"
    for code in [*range(0x20), 0x7F, *range(0x80, 0xA0)]
    if chr(code) not in "\n\t"
}


def printable(text: str) -> str:
    """`text` with C0 and C1 control characters (but line breaks and tabs) as `\\xNN`."""
    return text.translate(_CONTROLS)


class _Console(Console):
    """A Rich console whose printed strings pass through `printable` (`styled` does the same
    for the pieces of a styled line)."""

    def print(self, *objects: Any, **options: Any) -> None:
        super().print(*(printable(o) if isinstance(o, str) else o for o in objects), **options)


# No markup: paths, messages and descriptions are printed as they are (`s3://b/[date=2024]/`
# would otherwise lose its brackets); styles are given explicitly through `styled`. Soft
# wrap: a line longer than the terminal (or piped, where Rich assumes 80 columns) is
# written whole, so a long path is never broken.
stdout = _Console(highlight=False, markup=False, soft_wrap=True)
stderr = _Console(stderr=True, highlight=False, markup=False, soft_wrap=True)


def styled(*pieces: str | tuple[str, str]) -> Text:
    """One line from plain pieces and `(text, style)` pieces, e.g. `("Failed", "red")`."""
    return Text.assemble(
        *(
            printable(piece) if isinstance(piece, str) else (printable(piece[0]), piece[1])
            for piece in pieces
        )
    )


def write_text(text: str) -> None:
    """Text as it is (tabs stay tabs, no wrapping, no markup), but control characters."""
    sys.stdout.write(printable(text))
    sys.stdout.flush()


def print_json(value: Any) -> None:
    """One JSON value; a NaN or infinity (which JSON cannot hold) is printed as null."""
    sys.stdout.write(json.dumps(_finite(value), indent=2, default=str, allow_nan=False) + "\n")
    sys.stdout.flush()


def _finite(value: Any) -> Any:
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {key: _finite(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(item) for item in value]
    return value


def print_table(
    headings: Sequence[str], rows: Sequence[Sequence[str]], right: Sequence[int] = ()
) -> None:
    """A header row, then the rows: each column as wide as its widest cell, two spaces
    apart, the columns in `right` (numbers) right-aligned, the last one unpadded."""
    widths = [max(len(str(row[i])) for row in [headings, *rows]) for i in range(len(headings))]

    def line(cells: Sequence[str]) -> str:
        padded = [
            str(cell).rjust(width) if index in right else str(cell).ljust(width)
            for index, (cell, width) in enumerate(zip(cells, widths, strict=True))
        ]
        if len(headings) - 1 not in right:
            padded[-1] = str(cells[-1])
        return "  ".join(padded).rstrip()

    stdout.print(styled((line(headings), "bold")))
    for row in rows:
        stdout.print(line(row))


def parse_assignments(items: list[str] | None, flag: str = "-p") -> dict[str, str]:
    """`key=value` pairs from repeated options; a malformed one is a usage error."""
    from batchops.errors import InvalidInput

    values: dict[str, str] = {}
    for item in items or []:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise InvalidInput(f"{flag} {item!r}: expected key=value")
        values[key.strip()] = value
    return values


def print_none_found(what: str) -> None:
    """An empty list says so, and where it looked: the home (and a database set apart)."""
    import os

    from batchops.settings import get_settings
    from batchops.store.db import display_url

    settings = get_settings()
    where = f"BATCHOPS_HOME {settings.home}"
    if os.environ.get("BATCHOPS_DB_URL"):
        where += f", database {display_url(settings.db_url)}"
    stdout.print(f"no {what} in {where}")
