"""The scheduler's structured log: one row per tick, rule match, delivery and alarm
transition (`batchops scheduler logs`, `GET /api/scheduler/log`).

It lives in the metadata database, not in a host's home: the scheduler acting now may run on
any host of a team's deployment, and every host reads what each of them did. Each entry names
the process that wrote it. Logs written before the table existed stay in
`<home>/logs/scheduler.jsonl` on the host that wrote them.
"""

from __future__ import annotations

import json
import os
import socket
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from batchops.store.db import session_scope
from batchops.store.schema import utcnow
from batchops.store.schema.automation import SchedulerLogRow


def add_entry(session: Session, kind: str, message: str, **fields: Any) -> None:
    """Log in the caller's transaction: the entry is kept exactly when what it tells is."""
    session.add(
        SchedulerLogRow(
            at=utcnow(),
            kind=kind,
            message=message,
            fields=_plain(fields),
            host=f"{socket.gethostname()}:{os.getpid()}",
        )
    )


def log(kind: str, message: str, **fields: Any) -> None:
    """Log in a transaction of its own."""
    with session_scope() as session:
        add_entry(session, kind, message, **fields)


def read_log(
    kind: str | None = None, since: datetime | None = None, limit: int | None = None
) -> list[dict[str, Any]]:
    """Entries oldest first, optionally of one kind and from a moment on; the last `limit`."""
    query = select(SchedulerLogRow).order_by(SchedulerLogRow.id.desc())
    if kind:
        query = query.where(SchedulerLogRow.kind == kind)
    if since:
        query = query.where(SchedulerLogRow.at >= since)
    if limit:
        query = query.limit(limit)
    with session_scope() as session:
        rows = session.scalars(query).all()
        return [
            {
                "at": row.at.isoformat(),
                "kind": row.kind,
                "message": row.message,
                "host": row.host,
                **row.fields,
            }
            for row in reversed(rows)
        ]


def forget_older_than(age: timedelta, *, apply: bool) -> int:
    """The entries older than `age` (`batchops gc`): how many, deleted when `apply`."""
    older = SchedulerLogRow.at < utcnow() - age
    with session_scope() as session:
        if not apply:
            return int(session.scalar(select(func.count()).where(older)) or 0)
        result = session.execute(delete(SchedulerLogRow).where(older))
        return int(getattr(result, "rowcount", 0) or 0)


def _plain(fields: dict[str, Any]) -> dict[str, Any]:
    """The fields as JSON holds them (moments and other objects as their text)."""
    return dict(json.loads(json.dumps(fields, default=str)))
