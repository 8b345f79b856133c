"""A schedule, rule or alarm as the `describe` and `history` commands print it."""

from __future__ import annotations

from typing import Any

from batchops.cli.output import print_json, stdout


def print_history(entries: list[dict[str, Any]], as_json: bool) -> None:
    if as_json:
        print_json(entries)
        return
    if not entries:
        stdout.print("no history yet")
    for entry in entries:
        rest = {k: v for k, v in entry.items() if k not in ("at", "outcome")}
        details = "  ".join(f"{k}={v}" for k, v in rest.items() if v is not None)
        stdout.print(f"{entry['at'][:19]}  {entry['outcome']:<14} {details}")


def print_described(described: dict[str, Any], as_json: bool) -> None:
    """A schedule, rule or alarm: its fields one per line, then its recent history."""
    if as_json:
        print_json(described)
        return
    for key, value in described.items():
        if key != "history":
            stdout.print(f"{key}: {value}")
    print_history(described["history"], False)
