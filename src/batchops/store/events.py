"""The event log: what happened, in order, for schedules, rules, alarms and the page to act on.

The registry appends model-version events and the runtime execution events, each in the
transaction that makes the change; consumers read from a position and store theirs.

Positions are the events' ids. For a reader never to skip an event, ids must become visible
in increasing order: SQLite serialises writers already; on PostgreSQL an appender holds a
transaction-scoped advisory lock, so no later id commits before an earlier one.
Delivery is at-least-once: a consumer's position moves only after its handler returned.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from batchops.errors import InvalidInput
from batchops.store.abbreviate import abbreviate
from batchops.store.db import session_scope
from batchops.store.schema import utcnow
from batchops.store.schema.events import EventConsumerRow, EventRow


class EventType(StrEnum):
    """Every type the log holds; names follow the EventBridge events SageMaker emits."""

    GROUP_CREATED = "ModelGroupCreated"
    GROUP_DELETED = "ModelGroupDeleted"
    VERSION_REGISTERED = "ModelVersionRegistered"
    STATUS_CHANGED = "ModelVersionStatusChanged"
    VERSION_DELETED = "ModelVersionDeleted"
    VERSION_UNUSABLE = "ModelVersionUnusable"
    """An approved version's files failed their check where it was to be used."""
    EXECUTION_STATUS_CHANGED = "ExecutionStatusChanged"
    DATA_QUALITY_VIOLATIONS = "DataQualityViolations"
    ALARM_STATE_CHANGED = "AlarmStateChanged"


@dataclass(frozen=True)
class Event:
    """One entry of the log, detached from the database session."""

    position: int
    type: str
    group: str | None
    version: int | None
    old_status: str | None
    new_status: str | None
    user: str
    at: datetime
    detail: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def of(cls, row: EventRow) -> Event:
        return cls(
            row.id,
            row.type,
            row.group_name,
            row.version,
            row.old_status,
            row.new_status,
            row.user,
            row.at,
            abbreviate(dict(row.detail or {})),  # bounded even if stored before the limits
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "position": self.position,
            "type": self.type,
            "group": self.group,
            "version": self.version,
            "old_status": self.old_status,
            "new_status": self.new_status,
            "user": self.user,
            "at": self.at.isoformat(),
            "detail": self.detail,
        }


_APPEND_LOCK = 72817002


def append_event(
    session: Session,
    type: EventType,
    group: str | None = None,
    *,
    version: int | None = None,
    old_status: str | None = None,
    new_status: str | None = None,
    user: str = "",
    detail: dict[str, Any] | None = None,
) -> None:
    """Append in the caller's transaction, so the event exists exactly when the change does."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text(f"SELECT pg_advisory_xact_lock({_APPEND_LOCK})"))
    session.add(
        EventRow(
            type=str(type),
            group_name=group,
            version=version,
            old_status=old_status,
            new_status=new_status,
            user=user,
            at=utcnow(),
            detail=abbreviate(detail) or None,  # the log outlives what it tells of
        )
    )


def newest_event(session: Session) -> Event:
    """The newest event as the caller's transaction sees it (one it just appended)."""
    session.flush()
    row = session.scalars(select(EventRow).order_by(EventRow.id.desc()).limit(1)).one()
    return Event.of(row)


def last_position() -> int:
    """The newest event's position (0 for an empty log): where a new rule starts reading."""
    with session_scope() as session:
        return session.scalar(select(func.max(EventRow.id))) or 0


def read_events(after: int = 0, limit: int = 100) -> list[Event]:
    """Events with a position greater than `after`, oldest first."""
    if after < 0 or limit < 1:
        raise InvalidInput(f"events: position must be >= 0 and limit >= 1 (got {after}, {limit})")
    with session_scope() as session:
        rows = session.scalars(
            select(EventRow).where(EventRow.id > after).order_by(EventRow.id).limit(limit)
        )
        return [Event.of(row) for row in rows]


def consumer_position(consumer: str) -> int:
    with session_scope() as session:
        row = session.get(EventConsumerRow, _check_consumer(consumer))
        return row.position if row else 0


def commit_position(consumer: str, position: int) -> None:
    """Record that `consumer` has handled everything up to `position`; never moves back."""
    with session_scope() as session:
        row = session.get(EventConsumerRow, _check_consumer(consumer), with_for_update=True)
        if row is None:
            session.add(EventConsumerRow(name=consumer, position=position, updated_at=utcnow()))
        elif position > row.position:
            row.position = position
            row.updated_at = utcnow()


def poll(consumer: str, limit: int = 100) -> list[Event]:
    """The events `consumer` has not handled yet; call `commit_position` after handling them."""
    return read_events(consumer_position(consumer), limit)


def consume(consumer: str, handle: Callable[[Event], None], limit: int = 100) -> int:
    """Hand each new event to `handle`, storing the position after each; returns the count.

    If `handle` raises, the position stays before that event, which is delivered again next time.
    """
    events = poll(consumer, limit)
    for event in events:
        handle(event)
        commit_position(consumer, event.position)
    return len(events)


def _check_consumer(name: str) -> str:
    if not name.strip() or len(name) > 256:
        raise InvalidInput(f"invalid consumer name {name!r}")
    return name
