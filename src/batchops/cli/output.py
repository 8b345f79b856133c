"""Printing for commands: exactly one JSON value on stdout with --json, Rich for people."""

from __future__ import annotations

import json
import sys
from typing import Any

from rich.console import Console

stdout = Console(highlight=False, soft_wrap=True)  # piped output keeps whole lines
stderr = Console(stderr=True, highlight=False)


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
