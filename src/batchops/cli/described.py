"""A schedule, rule or alarm as the `describe` and `history` commands print it."""

from __future__ import annotations

from typing import Any

from batchops.cli.output import print_json, stderr, stdout


def warn_if_secret_unset(secret_env: str | None) -> None:
    """A webhook signed with a variable this shell lacks: deliveries fail until the
    scheduler's environment has it, so say so when the rule or alarm is made."""
    import os

    if secret_env and not os.environ.get(secret_env):
        stderr.print(
            f"warning: the environment variable {secret_env} is not set here; its webhook "
            "deliveries fail until it is set where the scheduler runs (batchops scheduler or "
            "batchops server)"
        )


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
