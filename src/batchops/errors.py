"""The two kinds of failure a user sees, and how each surfaces.

`BatchopsError` is the user's to fix (bad usage, bad input, unknown names, an environment
set up wrong): the CLI exits 2, the API answers 4xx (503 for the environment). `JobFailed`
means the work ran and failed (a failing step, a violation with fail-on-violation): the CLI
exits 1. Anything else is a bug."""

from __future__ import annotations


class BatchopsError(Exception):
    """Bad usage or bad input; the message names the problem and where it is."""

    http_status = 400


class InvalidInput(BatchopsError):
    """A file, row, value or argument that cannot be used as given.

    422, as the API answers a request its schema refuses: both mean "this input, not the
    state of things, is what is wrong"."""

    http_status = 422


class NotFound(BatchopsError):
    """A named thing (pipeline, execution, step, group, version, file) does not exist."""

    http_status = 404


class Conflict(BatchopsError):
    """The request contradicts the current state (deleting a non-empty group, ...)."""

    http_status = 409


class EnvironmentProblem(BatchopsError):
    """The setup cannot be used: a setting, a folder, the database, an optional package.

    Raised where the problem is met (settings, store), so every entry point reports it the
    same way: the CLI as one line and exit 2, the API as 503 (the server is not usable as
    set up, whatever the request).
    """

    http_status = 503


class Busy(EnvironmentProblem):
    """The database stayed locked by another writer longer than this process waits (its
    lock timeout): nothing was changed, and the same request shortly after may pass. The API
    answers 503 with a Retry-After of `retry_after` seconds."""

    retry_after = 2


class MissingExtra(EnvironmentProblem):
    """An optional package is not installed; the message names the extra that installs it."""

    def __init__(self, extra: str, module: str, purpose: str) -> None:
        super().__init__(
            f"{purpose} needs the Python package {module!r}, which is not installed: "
            f"pip install 'batchops[{extra}]'"
        )
        self.extra = extra
        self.module = module
        self.purpose = purpose

    def __reduce__(self) -> tuple[type[MissingExtra], tuple[str, str, str]]:
        return (MissingExtra, (self.extra, self.module, self.purpose))


class JobFailed(Exception):
    """The job ran and failed; the message says which step and why."""


def at_line(path: str, line: int | None, message: str) -> InvalidInput:
    """An input error that points at a file and, when known, a 1-based line."""
    where = f"{path}, line {line}" if line is not None else path
    return InvalidInput(f"{where}: {message}")
