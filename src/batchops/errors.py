"""The two kinds of failure a user sees, and how each surfaces.

`BatchopsError` is the user's to fix (bad usage, bad input, unknown names): the CLI exits 2,
the API answers 4xx. `JobFailed` means the work ran and failed (a failing step, a violation
with fail-on-violation): the CLI exits 1. Anything else is a bug.
"""

from __future__ import annotations


class BatchopsError(Exception):
    """Bad usage or bad input; the message names the problem and where it is."""

    http_status = 400


class InvalidInput(BatchopsError):
    """A file, row, value or argument that cannot be used as given."""


class NotFound(BatchopsError):
    """A named thing (pipeline, execution, step, group, version, file) does not exist."""

    http_status = 404


class Conflict(BatchopsError):
    """The request contradicts the current state (deleting a non-empty group, ...)."""

    http_status = 409


class JobFailed(Exception):
    """The job ran and failed; the message says which step and why."""


def at_line(path: str, line: int | None, message: str) -> InvalidInput:
    """An input error that points at a file and, when known, a 1-based line."""
    where = f"{path}, line {line}" if line is not None else path
    return InvalidInput(f"{where}: {message}")
