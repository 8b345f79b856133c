"""Printing for commands: exactly one JSON value on stdout with --json, Rich for people."""

from __future__ import annotations

import json
import sys
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.text import Text

#: `--json` on every list and describe command: exactly one JSON value on stdout.
JsonFlag = Annotated[bool, typer.Option("--json", help="Print exactly one JSON value.")]

# No markup: paths, messages and descriptions are printed as they are (`s3://b/[date=2024]/`
# would otherwise lose its brackets); styles are given explicitly through `styled`.
stdout = Console(highlight=False, markup=False, soft_wrap=True)  # piped: whole lines
stderr = Console(stderr=True, highlight=False, markup=False)


def styled(*pieces: str | tuple[str, str]) -> Text:
    """One line from plain pieces and `(text, style)` pieces, e.g. `("Failed", "red")`."""
    return Text.assemble(*pieces)


def print_json(value: Any) -> None:
    sys.stdout.write(json.dumps(value, indent=2, default=str) + "\n")
    sys.stdout.flush()


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
