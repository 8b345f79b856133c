"""What schedules, rules and alarms did, in order: `schedule|rule|alarm history NAME`.

An entry with a `key` is written at most once, so an action repeated after a crash (events are
handled at least once) leaves one entry.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from batchops.settings import get_settings
from batchops.store.db import session_scope
from batchops.store.schema import utcnow
from batchops.store.schema.automation import AutomationHistoryRow


def add_entry(
    session: Session,
    kind: str,
    name: str,
    outcome: str,
    detail: dict[str, Any],
    key: str | None = None,
) -> None:
    """Add in the caller's transaction (a repeated key fails it: use `record` outside one)."""
    session.add(
        AutomationHistoryRow(
            kind=kind, name=name, outcome=outcome, detail=detail, key=key, at=utcnow()
        )
    )


def add_pause_entry(
    session: Session, kind: str, name: str, paused: bool, user: str | None = None
) -> None:
    """`paused` or `resumed`, by whom, in the transaction that made the change."""
    outcome = "paused" if paused else "resumed"
    add_entry(session, kind, name, outcome, {"user": user or get_settings().user})


def record(
    kind: str, name: str, outcome: str, detail: dict[str, Any], key: str | None = None
) -> bool:
    """Add an entry; False when one with this key exists already."""
    try:
        with session_scope() as session:
            add_entry(session, kind, name, outcome, detail, key)
    except IntegrityError:
        return False
    return True


def newest_entry(kind: str, name: str, outcomes: Collection[str]) -> dict[str, Any] | None:
    """The newest entry of one schedule, rule or alarm with one of these outcomes, or None."""
    with session_scope() as session:
        row = session.scalars(
            select(AutomationHistoryRow)
            .where(
                AutomationHistoryRow.kind == kind,
                AutomationHistoryRow.name == name,
                AutomationHistoryRow.outcome.in_(list(outcomes)),
            )
            .order_by(AutomationHistoryRow.id.desc())
            .limit(1)
        ).first()
        return None if row is None else _entry(row)


def entries(kind: str, name: str, limit: int = 100) -> list[dict[str, Any]]:
    """The newest `limit` entries of one schedule, rule or alarm, oldest first."""
    with session_scope() as session:
        rows = session.scalars(
            select(AutomationHistoryRow)
            .where(AutomationHistoryRow.kind == kind, AutomationHistoryRow.name == name)
            .order_by(AutomationHistoryRow.id.desc())
            .limit(limit)
        ).all()
        return [_entry(r) for r in reversed(rows)]


def _entry(row: AutomationHistoryRow) -> dict[str, Any]:
    return {"at": row.at.isoformat(), "outcome": row.outcome, **(row.detail or {})}
