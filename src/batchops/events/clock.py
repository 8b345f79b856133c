"""The time the scheduler acts at: the wall clock, or a fixed moment for scripts and tests."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from batchops.errors import InvalidInput
from batchops.store.schema import utcnow

Clock = Callable[[], datetime]
"""Returns the current moment, timezone-aware."""


def system_clock() -> datetime:
    return utcnow()


def parse_moment(text: str, what: str = "`now`") -> datetime:
    """An ISO-8601 moment; without an offset it is UTC."""
    try:
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError as error:
        raise InvalidInput(
            f"{what} {text!r} is not an ISO-8601 moment such as 2024-05-01T06:00:00+02:00"
        ) from error
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
